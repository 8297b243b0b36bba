"""Where uploaded files live: one small interface, a local folder by default.

A deployment plugs in another backend (object storage, ...) by setting ``MEDIA_STORAGE`` to a dotted path
``package.module:factory``; the factory receives the Flask app and returns an object with the methods of
``Storage``. Keys are shop-chosen relative paths such as ``products/3f2a...-800.webp``, never user input.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app


class Storage(Protocol):
    def save(self, key: str, data: bytes, content_type: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def open(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or "\\" in key or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class LocalStorage:
    """Files under a folder (config ``MEDIA_ROOT``), served by ``core.media`` at ``/media/<key>``."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def save(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file and rename, so a reader never sees half a picture.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def open(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


def local_storage(app: Flask) -> LocalStorage:
    return LocalStorage(app.config["MEDIA_ROOT"])


def get_storage() -> Storage:
    """The storage configured for the current app (``MEDIA_STORAGE``; the local folder by default)."""
    app = current_app._get_current_object()
    spec = app.config.get("MEDIA_STORAGE") or "shop.core.storage:local_storage"
    module_name, _, factory_name = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), factory_name)
    return factory(app)
