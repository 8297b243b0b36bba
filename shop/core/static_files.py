"""Fingerprinted static files: every ``url_for('static', ...)`` carries a hash of the file's content
(``/static/css/shop.css?v=3f2a9c01b7e4``), and a request whose fingerprint matches the file is answered with
``Cache-Control: public, max-age=31536000, immutable``: a browser or proxy keeps it a year without asking
again, and a changed file gets a new address. A request without the fingerprint, or with an old one, gets
``no-cache`` and is revalidated with its ETag (304 Not Modified when unchanged).

The hashes are computed once per file and process (in debug mode again when the file changes on disk).
A static file never writes the session: its response carries no Set-Cookie and no ``Vary: Cookie`` (the file
is the same for everyone, so a browser keeps it when the visitor's cookie changes).
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, request

from shop.core.signed_values import short_payload_serializer

FINGERPRINT_PARAMETER = "v"
FINGERPRINT_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class Fingerprints:
    """Content hashes of the files under one static folder, by relative file name."""

    def __init__(self, folder: str, *, watch: bool = False):
        self.folder = folder
        self.watch = watch  # recompute when a file's size or time changes (development)
        self._known: dict[str, tuple[tuple[int, int] | None, str | None]] = {}

    def _path(self, filename: str) -> str | None:
        path = os.path.realpath(os.path.join(self.folder, filename))
        root = os.path.realpath(self.folder)
        return path if path.startswith(root + os.sep) else None

    def of(self, filename: str) -> str | None:
        """The file's fingerprint, or None when there is no such file (the URL is then left as it is)."""
        known = self._known.get(filename)
        if known is not None and not self.watch:
            return known[1]
        path = self._path(filename)
        try:
            stat = os.stat(path) if path else None
        except OSError:
            stat = None
        key = (stat.st_mtime_ns, stat.st_size) if stat else None
        if known is not None and known[0] == key:
            return known[1]
        fingerprint = None
        if stat is not None and path is not None and os.path.isfile(path):
            digest = hashlib.sha256()
            with open(path, "rb") as file:
                for block in iter(lambda: file.read(65536), b""):
                    digest.update(block)
            fingerprint = digest.hexdigest()[:FINGERPRINT_LENGTH]
        self._known[filename] = (key, fingerprint)
        return fingerprint


def _without_session_for_static_files(interface_class):
    class StaticFilesWithoutSession(interface_class):
        # The signing serializer is built once per set of keys, not twice on every request (its constructor
        # test-serialises a value; the serializer itself keeps no state between uses); it writes the cookie Flask's
        # would, trying a short session's compression cheaply (shop.core.signed_values).
        _serializers: dict = {}

        def get_signing_serializer(self, app):
            keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
            serializer = self._serializers.get(keys)
            if serializer is None:
                if len(self._serializers) > 8:
                    self._serializers.clear()
                serializer = super().get_signing_serializer(app)
                if serializer is not None:
                    serializer = short_payload_serializer(serializer)
                self._serializers[keys] = serializer
            return serializer

        def save_session(self, app, session, response):
            if request.endpoint == "static":
                return None
            return super().save_session(app, session, response)

    return StaticFilesWithoutSession


def init_app(app: Flask) -> None:
    app.session_interface = _without_session_for_static_files(type(app.session_interface))()
    fingerprints = Fingerprints(app.static_folder, watch=app.debug)
    app.extensions["static_fingerprints"] = fingerprints

    @app.url_defaults
    def add_fingerprint(endpoint, values):
        if endpoint == "static" and "filename" in values and FINGERPRINT_PARAMETER not in values:
            fingerprint = fingerprints.of(values["filename"])
            if fingerprint:
                values[FINGERPRINT_PARAMETER] = fingerprint

    @app.after_request
    def cache_static_files(response):
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        asked = request.args.get(FINGERPRINT_PARAMETER)
        if asked and asked == fingerprints.of(filename):
            response.headers["Cache-Control"] = IMMUTABLE
            response.headers.pop("Expires", None)
        else:
            response.headers["Cache-Control"] = REVALIDATE
        return response
