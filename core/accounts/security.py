"""Password hashing (argon2id), token hashing, and signed e-mail tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
#: Hash verified when an email is unknown, so that sign-in takes the same time either way.
_DUMMY_HASH = _hasher.hash("sympraxis-timing-equaliser")

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


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
