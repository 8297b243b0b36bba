"""CLI commands of the producer portal; create_app registers every click command listed in COMMANDS."""

from __future__ import annotations

COMMANDS: list = []
