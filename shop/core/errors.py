"""Domain errors: a broken business rule, with a message the user can read."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. ``message`` is a lazy-translatable string shown to the user."""

    def __init__(self, message, **params):
        super().__init__(str(message))
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)
