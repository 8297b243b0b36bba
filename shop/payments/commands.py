"""CLI commands of the payments domain; create_app registers every click command listed in COMMANDS."""

from __future__ import annotations

COMMANDS: list = []
