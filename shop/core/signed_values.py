"""Signed values (the session cookie, CSRF tokens) exactly as itsdangerous writes them, without the cost of its try
at compressing a short payload.

itsdangerous's ``URLSafeTimedSerializer`` deflates every payload with ``zlib.compress`` and keeps the compressed form
only when it is shorter. ``zlib.compress`` sets up a full-size compressor each time (about 256 KB of buffers, a
64 KB hash table cleared): for the ~60 bytes of a new visitor's session or CSRF token that costs more than the rest
of the signature (measured 15 µs of 24 µs a signature, twice per cached page served to a new visitor), and such a
payload never comes out shorter. ``ShortPayloadSerializer`` first tries a payload of at most ``TRIAL_LIMIT`` bytes
with a small compressor (a 512-byte window, a small hash table): with the same level, a window larger than the
payload and a literal buffer larger than it, deflate finds the same matches and chooses the same blocks, so the
length it gives is the length ``zlib.compress`` would give (``tests/core/test_signed_values.py`` checks this over
many payloads, compressible ones included). Only when that says compressing wins is itsdangerous's own way taken, so
every value is the one itsdangerous writes, and any reader of them (Flask's session, Flask-WTF's ``validate_csrf``)
reads them as before.
"""

from __future__ import annotations

import zlib
from typing import Any

from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

# Payloads up to this many bytes are tried with the small compressor first: within the window's reach (512 bytes less
# deflate's look-ahead of 262) and the literal buffer (1 << (MEM_LEVEL + 6) symbols). Above ~170 bytes a very
# repetitive payload was seen to come out a byte longer or shorter (never on the other side of the choice).
TRIAL_LIMIT = 128
WINDOW_BITS = 9  # 512 bytes, zlib's smallest for deflate
MEM_LEVEL = 4  # a 2,048-entry hash table, a 1,024-symbol literal buffer


def compressed_length(data: bytes) -> int:
    """``len(zlib.compress(data))`` for ``data`` of at most TRIAL_LIMIT bytes, with a compressor a hundred times
    smaller (the zlib header's window field differs, not its length)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, WINDOW_BITS, MEM_LEVEL)
    return len(compressor.compress(data)) + len(compressor.flush())


class ShortPayloadSerializer(URLSafeTimedSerializer):
    """``URLSafeTimedSerializer`` that writes the same values, trying a short payload's compression cheaply."""

    def dump_payload(self, obj: Any) -> bytes:
        payload = super(URLSafeSerializerMixin, self).dump_payload(obj)  # the JSON, before the mixin's compression
        if len(payload) <= TRIAL_LIMIT and compressed_length(payload) >= len(payload) - 1:
            return base64_encode(payload)  # what the mixin writes when compressing does not make it shorter
        return super().dump_payload(obj)


def short_payload_serializer(serializer: URLSafeTimedSerializer) -> ShortPayloadSerializer:
    """The same serializer (keys, salt, inner serializer, signer) as a ``ShortPayloadSerializer``."""
    return ShortPayloadSerializer(
        serializer.secret_keys, salt=serializer.salt, serializer=serializer.serializer,
        serializer_kwargs=serializer.serializer_kwargs, signer=serializer.signer,
        signer_kwargs=serializer.signer_kwargs, fallback_signers=serializer.fallback_signers,
    )
