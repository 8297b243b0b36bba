"""The demo shop: the seed of demo producers, products, packages, users and orders, with its data files."""
