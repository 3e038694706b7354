"""Rate limits with several gunicorn workers: shared storage, or no start (issue 10 item 11)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests

from core.ratelimit import require_shared_storage

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/13"


def test_memory_storage_is_refused_with_several_workers_outside_demo_and_tests():
    """Issue 10 item 11: with in-memory counters each worker kept its own limits."""
    production = {"RATELIMIT_STORAGE_URI": "memory://"}
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        require_shared_storage(production, 2)
    require_shared_storage(production, 1)
    require_shared_storage({**production, "DEMO_MODE": True}, 4)
    require_shared_storage({**production, "TESTING": True}, 4)
    require_shared_storage({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/1"}, 4)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn(app, storage_uri: str, prefix: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {
        **os.environ,
        "SYMPRAXIS_BIND": f"127.0.0.1:{port}",
        "SYMPRAXIS_WORKERS": "2",
        "SYMPRAXIS_THREADS": "2",
        "SYMPRAXIS_SECRET_KEY": secrets.token_hex(32),
        "SYMPRAXIS_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SYMPRAXIS_PLATFORM_APEX": "localhost",
        "SYMPRAXIS_PUBLIC_PORT": str(port),
        "SYMPRAXIS_RATELIMIT_STORAGE_URI": storage_uri,
        "SYMPRAXIS_RATELIMIT_KEY_PREFIX": prefix,
        "SYMPRAXIS_RATE_LIMIT_SIGNIN": "10 per minute",
        "SYMPRAXIS_WTF_CSRF_ENABLED": "false",
        "SYMPRAXIS_ARGON2_PARAMETERS": json.dumps({"time_cost": 1, "memory_cost": 1024, "parallelism": 1}),
        "SYMPRAXIS_MAIL_BACKEND": "outbox",
        "SYMPRAXIS_INSTANCE_PATH": app.instance_path,
    }
    env.pop("SYMPRAXIS_TESTING", None)
    cmd = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return proc, port


def _wait_until_serving(proc: subprocess.Popen, port: int, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return True
        except requests.RequestException:
            time.sleep(0.2)
    return False


def _stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.terminate()
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out or ""


def test_gunicorn_refuses_two_workers_with_memory_storage(app):
    """Issue 10 item 11: 2 workers with in-memory limits started, and 20 of 30 sign-ins passed a
    limit of 10 per minute; gunicorn now refuses to start and names the setting."""
    proc, port = _gunicorn(app, "memory://", f"test-{uuid.uuid4().hex}")
    try:
        serving = _wait_until_serving(proc, port)
    finally:
        out = _stop(proc)
    assert not serving, out
    assert proc.returncode not in (0, None)
    assert "RATELIMIT_STORAGE_URI" in out


def test_two_workers_share_the_limit_in_redis(app):
    """Issue 10 item 11: with the storage the README names, one limit holds across workers."""
    prefix = f"test-{uuid.uuid4().hex}"
    proc, port = _gunicorn(app, REDIS_URL, prefix)
    try:
        assert _wait_until_serving(proc, port), _stop(proc)
        statuses = []
        for _ in range(30):  # a new connection each time: gunicorn spreads them over its workers
            response = requests.post(
                f"http://localhost:{port}/auth/signin",
                data={"email": "nobody@example.org", "password": "wrong password!"},
                headers={"Connection": "close"},
                timeout=10,
            )
            statuses.append(response.status_code)
    finally:
        _stop(proc)
        conn = redis.Redis.from_url(REDIS_URL)
        for key in conn.scan_iter(f"*{prefix}*"):
            conn.delete(key)
    assert statuses.count(401) == 10, statuses
    assert statuses.count(429) == 20
