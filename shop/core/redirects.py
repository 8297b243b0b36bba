"""Where the shop may send a browser after a form or a switch: only paths on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_TARGET_LENGTH = 2000


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None: never another host, scheme, protocol-relative URL,
    backslash trick or control character."""
    if not target or len(target) > MAX_TARGET_LENGTH:
        return None
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
