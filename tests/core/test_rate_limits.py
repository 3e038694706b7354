"""Rate limits on sign-in, sign-up and reset, counted in a real Redis (DESIGN §4)."""

from __future__ import annotations

import uuid

import pytest
import redis

REDIS_DB = 13
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


@pytest.fixture
def limited_app(make_app):
    """An app with rate limits on, counting in Redis under a prefix of its own."""
    from core.testing.pytest_plugin import HostClient

    prefix = f"test-{uuid.uuid4().hex}"

    def build(**overrides):
        app = make_app(
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI=REDIS_URL,
            RATELIMIT_KEY_PREFIX=prefix,
            **overrides,
        )
        app.test_client_class = HostClient
        return app

    yield build, prefix
    conn = redis.Redis.from_url(REDIS_URL)
    for key in conn.scan_iter(f"*{prefix}*"):
        conn.delete(key)


def keys_for(prefix: str) -> list[bytes]:
    return list(redis.Redis.from_url(REDIS_URL).scan_iter(f"*{prefix}*"))


def assert_limited(response) -> None:
    assert response.status_code == 429
    assert b"Too many attempts. Please wait a moment and try again." in response.data
    assert int(response.headers["Retry-After"]) >= 1


def test_sign_in_is_limited(limited_app, account_factory):
    build, prefix = limited_app
    app = build(RATE_LIMIT_SIGNIN="3 per minute")
    client = app.test_client()
    account = account_factory()
    for _ in range(3):
        response = client.post("/auth/signin", data={"email": account.email, "password": "wrong password!"})
        assert response.status_code == 401
    # the right password does not get through either once the limit is reached
    assert_limited(client.post("/auth/signin", data={"email": account.email, "password": account.password}))
    assert client.get("/api/v1/me").status_code == 401
    # the counters live in Redis, under this test's prefix
    assert keys_for(prefix)
    # reading the page is not counted
    assert client.get("/auth/signin").status_code == 200


def test_sign_up_is_limited_with_the_same_answer_for_any_email(limited_app, account_factory):
    build, _prefix = limited_app
    app = build(RATE_LIMIT_SIGNUP="2 per minute")
    client = app.test_client()
    taken = account_factory()
    for email in (f"a-{uuid.uuid4().hex[:8]}@example.org", taken.email):
        data = {"display_name": "Rate Tester", "email": email, "password": "a long enough password"}
        assert client.post("/auth/signup", data=data).status_code == 200
    data = {
        "display_name": "Rate Tester",
        "email": f"b-{uuid.uuid4().hex[:8]}@example.org",
        "password": "x" * 12,
    }
    assert_limited(client.post("/auth/signup", data=data))


def test_reset_is_limited(limited_app, account_factory):
    build, _prefix = limited_app
    app = build(RATE_LIMIT_RESET="2 per minute")
    client = app.test_client()
    account = account_factory()
    assert client.post("/auth/reset", data={"email": account.email}).status_code == 200
    assert client.post("/auth/reset", data={"email": "nobody@example.org"}).status_code == 200
    assert_limited(client.post("/auth/reset", data={"email": account.email}))


def test_limits_on_the_api_answer_problem_json(limited_app):
    from core.ratelimit import RateLimitExceeded

    build, _prefix = limited_app
    app = build()
    with app.test_request_context("/api/v1/anything", base_url="http://localhost"):
        response = app.handle_user_exception(RateLimitExceeded(7))
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "7"


def test_limits_are_per_application_and_per_prefix(limited_app, make_app, app, account_factory, client_for):
    """One app's limits neither leak into another app in the same process nor share counters."""
    build, _prefix = limited_app
    limited = build(RATE_LIMIT_SIGNIN="1 per minute")
    client = limited.test_client()
    account = account_factory()
    wrong = {"email": account.email, "password": "wrong password!"}
    assert client.post("/auth/signin", data=wrong).status_code == 401
    assert_limited(client.post("/auth/signin", data=wrong))

    # the session's application (limits off) is unaffected
    for _ in range(3):
        assert client_for("localhost").post("/auth/signin", data=wrong).status_code == 401
    # another limited app with its own prefix starts from zero
    from core.testing.pytest_plugin import HostClient

    fresh = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        RATE_LIMIT_SIGNIN="1 per minute",
    )
    fresh.test_client_class = HostClient
    other_prefix = fresh.config["RATELIMIT_KEY_PREFIX"]
    try:
        assert fresh.test_client().post("/auth/signin", data=wrong).status_code == 401
    finally:
        conn = redis.Redis.from_url(REDIS_URL)
        for key in conn.scan_iter(f"*{other_prefix}*"):
            conn.delete(key)


def test_limits_count_per_client_address_behind_a_trusted_proxy(limited_app, account_factory):
    build, _prefix = limited_app
    account = account_factory()
    wrong = {"email": account.email, "password": "wrong password!"}

    behind_proxy = build(RATE_LIMIT_SIGNIN="1 per minute", TRUSTED_PROXY_COUNT=1)
    client = behind_proxy.test_client()
    first = {"X-Forwarded-For": "203.0.113.7"}
    second = {"X-Forwarded-For": "198.51.100.9"}
    assert client.post("/auth/signin", data=wrong, headers=first).status_code == 401
    assert_limited(client.post("/auth/signin", data=wrong, headers=first))
    assert client.post("/auth/signin", data=wrong, headers=second).status_code == 401

    # with no trusted proxy the header is ignored: it cannot be forged to escape the limit
    direct = build(RATE_LIMIT_SIGNIN="1 per minute")
    client = direct.test_client()
    assert client.post("/auth/signin", data=wrong, headers=first).status_code == 401
    assert_limited(client.post("/auth/signin", data=wrong, headers=second))


def test_two_step_codes_are_limited(limited_app, account_factory):
    build, _prefix = limited_app
    app = build(RATE_LIMIT_SIGNIN="3 per minute")
    client = app.test_client()
    operator = account_factory(operator=True)
    response = client.post("/auth/signin", data={"email": operator.email, "password": operator.password})
    assert response.status_code == 302 and response.location.endswith("/auth/totp")
    for _ in range(3):
        assert client.post("/auth/totp", data={"code": "123456"}).status_code == 200
    assert_limited(client.post("/auth/totp", data={"code": "654321"}))
