"""Signed, expiring, single-use links (password reset, invitation, e-mail confirmation), without a table.

A token is an itsdangerous ``URLSafeTimedSerializer`` signature (the app's SECRET_KEY, one salt per purpose)
of the user's id and a fingerprint of the user's current state: password hash, e-mail and active flag. Once
the link has done its work (a password set, the account activated) the fingerprint changes and the old
link no longer matches: it works once.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from shop.extensions import db

RESET = "password-reset"
INVITATION = "invitation"
CONFIRMATION = "email-confirmation"

MAX_AGE = {
    RESET: timedelta(hours=1),
    INVITATION: timedelta(days=7),
    CONFIRMATION: timedelta(days=7),
}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"lov-accounts-{purpose}")


def fingerprint(user) -> str:
    """Changes whenever the password, the e-mail or the active flag changes."""
    state = f"{user.password_hash or ''}|{user.email.lower()}|{int(bool(user.active))}"
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def make_token(user, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": fingerprint(user)})


def load_user_from_token(token: str, purpose: str):
    """The user the token was made for, or None when it is forged, expired, used or for another purpose."""
    from shop.accounts.models import User

    try:
        data = _serializer(purpose).loads(token, max_age=int(MAX_AGE[purpose].total_seconds()))
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or data.get("f") != fingerprint(user):
        return None
    return user
