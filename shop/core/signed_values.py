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

Signing itself: itsdangerous builds a new signer for every value, derives the signing key from the secret and the
salt again each time (one or two SHA-1 rounds), and computes the HMAC with the standard library's pure-Python
``hmac.HMAC`` (its digest is a Python function, ``_lazy_sha1``, which the C HMAC does not take). ``RememberingSigner``
keeps the signer of each salt, its derived keys, and computes the same HMAC with ``hmac.digest`` (OpenSSL) once a
check at construction showed both give the same bytes. Measured in process: a new visitor's session cookie and CSRF
token (two signatures per cached page served) from ~30 µs to ~12 µs.
"""

from __future__ import annotations

import hmac
import zlib
from typing import Any

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from itsdangerous.signer import HMACAlgorithm
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


class RememberingSigner(TimestampSigner):
    """itsdangerous's ``TimestampSigner`` with the keys it derives remembered (they depend only on the secret key,
    the salt and the derivation), and the HMAC computed by ``hmac.digest`` when its digest is one OpenSSL names
    (checked against itsdangerous's own HMAC once, at construction): the same signatures, for less work."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes | None, bytes] = {}
        self._digest_name: str | None = None
        if type(self.algorithm) is HMACAlgorithm:
            name = getattr(self.digest_method(), "name", None)
            probe_key, probe = b"probe-key", b"probe-value"
            if isinstance(name, str):
                try:
                    if hmac.digest(probe_key, probe, name) == self.algorithm.get_signature(probe_key, probe):
                        self._digest_name = name
                except ValueError:  # a digest OpenSSL does not know: itsdangerous's way
                    pass

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self._derived.get(secret_key)  # type: ignore[arg-type]
        if key is None:
            key = self._derived[secret_key] = super().derive_key(secret_key)  # type: ignore[index]
        return key

    def get_signature(self, value: str | bytes) -> bytes:
        if self._digest_name is None:
            return super().get_signature(value)
        return base64_encode(hmac.digest(self.derive_key(), want_bytes(value), self._digest_name))


class ShortPayloadSerializer(URLSafeTimedSerializer):
    """``URLSafeTimedSerializer`` that writes the same values, trying a short payload's compression cheaply, with a
    signer per salt kept (``RememberingSigner`` in place of itsdangerous's ``TimestampSigner``)."""

    default_signer = RememberingSigner

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._signers: dict[bytes | str | None, Any] = {}

    def make_signer(self, salt: str | bytes | None = None):
        signer = self._signers.get(salt)
        if signer is None:
            if len(self._signers) > 16:
                self._signers.clear()
            signer = self._signers[salt] = super().make_signer(salt)
        return signer

    def dump_payload(self, obj: Any) -> bytes:
        payload = super(URLSafeSerializerMixin, self).dump_payload(obj)  # the JSON, before the mixin's compression
        if len(payload) <= TRIAL_LIMIT and compressed_length(payload) >= len(payload) - 1:
            return base64_encode(payload)  # what the mixin writes when compressing does not make it shorter
        return super().dump_payload(obj)


def short_payload_serializer(serializer: URLSafeTimedSerializer) -> ShortPayloadSerializer:
    """The same serializer (keys, salt, inner serializer, signer) as a ``ShortPayloadSerializer``."""
    signer = RememberingSigner if serializer.signer is TimestampSigner else serializer.signer
    return ShortPayloadSerializer(
        serializer.secret_keys, salt=serializer.salt, serializer=serializer.serializer,
        serializer_kwargs=serializer.serializer_kwargs, signer=signer,
        signer_kwargs=serializer.signer_kwargs, fallback_signers=serializer.fallback_signers,
    )
