"""Keeping listings up to date: product editing and review submission, the supply CSV, producer administration (stock changes go through shop.inventory)."""
