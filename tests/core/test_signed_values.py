"""The session cookie and CSRF tokens the shop signs are the values itsdangerous itself writes (shop.core.signed_values
only finds out more cheaply whether a short payload is worth compressing)."""

import json
import random
import string

import pytest
from itsdangerous import BadSignature, URLSafeTimedSerializer

from shop.core.signed_values import TRIAL_LIMIT, ShortPayloadSerializer, short_payload_serializer

ALPHABETS = ("0123456789abcdef", "a", "ab", "abc", string.ascii_letters + string.digits + '{}":,_ ',
             "".join(map(chr, range(32, 127))))


def _payloads(count: int, seed: int = 14):
    rnd = random.Random(seed)
    for _ in range(count):
        size = rnd.randint(0, TRIAL_LIMIT + 40)
        kind = rnd.random()
        if kind < 0.4:  # random text over small and large alphabets (hex tokens, JSON-ish)
            alphabet = rnd.choice(ALPHABETS)
            yield "".join(rnd.choice(alphabet) for _ in range(size))
        elif kind < 0.8:  # repeated pieces with noise: the ones that do compress
            piece = "".join(rnd.choice(rnd.choice(ALPHABETS)) for _ in range(rnd.randint(1, 12)))
            text = ""
            while len(text) < size:
                text += piece if rnd.random() < 0.7 else rnd.choice(string.printable)
            yield text[:size]
        else:  # sessions as the shop keeps them
            yield {"csrf_token": f"{rnd.getrandbits(160):040x}", "lang": rnd.choice(["nl", "fr", "en"]),
                   "cart_id": rnd.randint(1, 10**6)}


def test_a_value_is_signed_exactly_as_itsdangerous_signs_it():
    ours = ShortPayloadSerializer("secret-key-" * 4, salt="wtf-csrf-token")
    theirs = URLSafeTimedSerializer("secret-key-" * 4, salt="wtf-csrf-token")
    compressed = 0
    for value in _payloads(20000):
        written = ours.dump_payload(value)
        assert written == theirs.dump_payload(value), value
        compressed += written.startswith(b".")
        assert theirs.loads(ours.dumps(value)) == value
    assert compressed > 1000  # the compressible payloads were among them, short ones too


@pytest.mark.parametrize("fallbacks", [None, ["old-secret-key-" * 3]])
def test_the_session_cookie_is_the_one_flask_writes_and_reads(app, monkeypatch, fallbacks):
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", fallbacks or [])
    flasks = type(app.session_interface).__mro__[1].get_signing_serializer(app.session_interface, app)
    ours = app.session_interface.get_signing_serializer(app)
    session = {"csrf_token": "a" * 40, "_fresh": False, "lang": "fr", "note": ["x" * 60] * 3}

    assert isinstance(ours, ShortPayloadSerializer)
    assert ours.dump_payload(session) == flasks.dump_payload(session)
    assert flasks.loads(ours.dumps(session)) == session
    assert ours.loads(flasks.dumps(session)) == session


def test_a_copy_keeps_every_key_and_the_salt():
    original = URLSafeTimedSerializer(["old", "new"], salt="a-salt")
    copy = short_payload_serializer(original)

    assert copy.secret_keys == original.secret_keys and copy.salt == original.salt
    assert original.loads(copy.dumps({"k": 1})) == {"k": 1}
    assert copy.loads(URLSafeTimedSerializer("old", salt="a-salt").dumps("x")) == "x"  # signed with the old key
    assert json.loads(json.dumps(copy.loads(original.dumps([1, 2])))) == [1, 2]


def _sha1_without_a_name(data=b""):  # a digest OpenSSL's HMAC cannot be asked for by name
    import hashlib

    class Unnamed:
        def __init__(self, inner):
            self.inner = inner
            self.digest_size, self.block_size = inner.digest_size, inner.block_size

        def update(self, more):
            self.inner.update(more)

        def copy(self):
            return Unnamed(self.inner.copy())

        def digest(self):
            return self.inner.digest()

    return Unnamed(hashlib.sha1(data))


@pytest.mark.parametrize("derivation", ["django-concat", "hmac", "concat", "none"])
@pytest.mark.parametrize("digest", [None, "sha256", "unnamed"])
def test_a_signature_is_the_one_itsdangerous_makes_whatever_the_derivation_and_digest(monkeypatch, derivation,
                                                                                        digest):
    import hashlib

    from itsdangerous import TimestampSigner

    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_765_000_000)
    kwargs = {"key_derivation": derivation}
    if digest:
        kwargs["digest_method"] = hashlib.sha256 if digest == "sha256" else _sha1_without_a_name
    ours = ShortPayloadSerializer(["old-key", "new-key"], salt="a-salt", signer_kwargs=kwargs)
    theirs = URLSafeTimedSerializer(["old-key", "new-key"], salt="a-salt", signer_kwargs=kwargs)
    for value in ["a" * 40, {"csrf_token": "b" * 40}, "", [1, 2, 3]]:
        assert ours.dumps(value) == ours.dumps(value) == theirs.dumps(value)  # the second with the kept signer
        assert ours.loads(theirs.dumps(value)) == value
    older = URLSafeTimedSerializer("old-key", salt="a-salt", signer_kwargs=kwargs).dumps("x")
    assert ours.loads(older) == "x"  # a value signed with an older key still reads
    with pytest.raises(BadSignature):
        ours.loads(URLSafeTimedSerializer("another-key", salt="a-salt", signer_kwargs=kwargs).dumps("x"))
