"""Password hashing (argon2id), token hashing, and signed e-mail tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024

#: One hasher (and one dummy hash) per parameter set; argon2id always.
_hashers: dict[tuple[tuple[str, int], ...], tuple[PasswordHasher, str]] = {}


def _hasher() -> tuple[PasswordHasher, str]:
    """The configured argon2id hasher (``ARGON2_PARAMETERS``, e.g. ``{"time_cost": 3}``).

    Without configuration, argon2-cffi's current recommended parameters (RFC 9106 low memory).
    When the parameters change, hashes made with the old ones are replaced at the next sign-in.
    Also returns a hash verified when an email is unknown, so sign-in takes the same time.
    """
    params = dict(current_app.config.get("ARGON2_PARAMETERS") or {}) if has_app_context() else {}
    key = tuple(sorted(params.items()))
    found = _hashers.get(key)
    if found is None:
        hasher = PasswordHasher(**params, type=Type.ID)
        found = _hashers[key] = (hasher, hasher.hash("sympraxis-timing-equaliser"))
    return found


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, verify a dummy one anyway so the time is the same."""
    hasher, dummy = _hasher()
    try:
        return hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher()[0].check_needs_rehash(password_hash)


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 of a high-entropy token: enough for lookup, useless if the table leaks."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"sympraxis.{purpose}")


def sign(purpose: str, data: dict) -> str:
    return _serializer(purpose).dumps(data)


def unsign(purpose: str, token: str, max_age: int) -> dict | None:
    """The data in a signed token, or None if it is forged, malformed or expired."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None


def fingerprint(value: str | None) -> str:
    """A short digest of a secret (the password hash) so a token dies when the secret changes."""
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]
