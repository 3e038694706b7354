"""The signing secret: configured in production, generated once for the demo, never built in.

Sessions, e-mail links and reset tokens are signed with ``SECRET_KEY``; whoever knows it can sign
a session for any account, the operator's included. So there is no default: every start refuses
without ``SYMPRAXIS_SECRET_KEY`` of at least :data:`MIN_SECRET_KEY_BYTES` bytes, except the demo
(``DEMO_MODE``), which makes a random one on its first run and keeps it in ``instance/``.
"""

from __future__ import annotations

import os
import secrets

from flask import Flask

MIN_SECRET_KEY_BYTES = 32
#: Where the demo keeps the secret it generated (in the instance folder, mode 0600).
DEMO_SECRET_FILE = "secret_key"


class InsecureConfiguration(RuntimeError):
    """The application would run with a secret anyone could know or guess: it refuses to start."""


def _length(key: str | bytes | None) -> int:
    if not key:
        return 0
    return len(key.encode() if isinstance(key, str) else key)


def configure_secret_key(app: Flask) -> None:
    """Check ``SECRET_KEY``, or give the demo its own; raise :class:`InsecureConfiguration`."""
    key = app.config.get("SECRET_KEY")
    if not key and app.config.get("DEMO_MODE"):
        app.config["SECRET_KEY"] = demo_secret(app.instance_path)
        return
    if _length(key) < MIN_SECRET_KEY_BYTES:
        raise InsecureConfiguration(
            f"SYMPRAXIS_SECRET_KEY is {'too short' if key else 'not set'}: set it to at least "
            f"{MIN_SECRET_KEY_BYTES} random bytes, for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`, and keep it secret "
            "(whoever knows it can sign in as anyone). Only `sympraxis demo` makes one of its own."
        )


def demo_secret(instance_path: str) -> str:
    """The demo's secret: read from ``instance/secret_key``, created there on the first run."""
    path = os.path.join(instance_path, DEMO_SECRET_FILE)
    try:
        with open(path, encoding="ascii") as fh:
            found = fh.read().strip()
        if _length(found) >= MIN_SECRET_KEY_BYTES:
            return found
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    key = secrets.token_urlsafe(48)
    os.makedirs(instance_path, exist_ok=True)
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    os.replace(path + ".tmp", path)  # atomic: a reader sees the old file or the whole new one
    return key
