"""CLI commands of the outbox domain; create_app registers every click command listed in COMMANDS."""

from __future__ import annotations

COMMANDS: list = []
