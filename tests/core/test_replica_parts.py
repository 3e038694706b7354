"""The read replica's circuit breaker and the API tokens' write pins, without the clusters
(tests/core/test_read_replica.py runs them against a real streaming replica)."""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa

from core.replica import UNKNOWN, Breaker, WritePins, engine_options, lsn_text, lsn_value


def _down() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("connect", None, OSError("connection refused"))


def test_the_breaker_lets_one_probe_through_per_window_and_counts_once_per_outage():
    counted = []
    breaker = Breaker(retry_seconds=0.2, count=lambda name, label=None: counted.append((name, label)))
    assert not breaker.blocked() and not breaker.is_open()
    breaker.failed(_down())
    breaker.failed(_down())  # two requests found it down: one outage
    assert breaker.is_open() and breaker.blocked()
    time.sleep(0.25)
    assert not breaker.is_open()
    assert breaker.blocked() is False  # the probe is this caller's
    assert breaker.blocked() is True  # and no other's in the same window
    breaker.failed(_down())  # the probe failed: another window, not another outage
    assert counted == [("outage", None)]
    time.sleep(0.25)
    assert breaker.blocked() is False
    breaker.succeeded()
    assert not breaker.down and not breaker.blocked()
    breaker.fell_back("down")
    assert counted[-1] == ("fallback", "down")


def test_an_exhausted_pool_is_busy_not_down():
    breaker = Breaker(retry_seconds=60)
    breaker.failed(sa.exc.TimeoutError("QueuePool limit reached"))
    assert not breaker.down and not breaker.blocked()


def test_lsn_round_trip_and_order():
    assert lsn_value("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert lsn_text(lsn_value("16/B374D848")) == "16/B374D848"
    assert lsn_value("0/10") > lsn_value("0/F")
    for bad in ("", "16/", "x/1", "1/2/3", "123456789/0", "0/0; DROP"):
        assert lsn_value(bad) is None


def test_pins_in_process_keep_the_later_position_and_expire():
    pins = WritePins(ttl=1)
    pins.remember("spx_a", 200)
    pins.remember("spx_a", 100)  # an earlier write finishing later does not move it back
    assert pins.position("spx_a") == 200
    assert pins.position("spx_b") is None
    pins._local[pins.key("spx_a")] = (200, time.monotonic() - 1)
    assert pins.position("spx_a") is None


def test_pins_in_redis_keep_the_later_position_and_never_store_the_token():
    import redis

    prefix = f"sympraxis-pins-test-{uuid.uuid4().hex[:8]}"
    pins = WritePins(ttl=30, redis_url="redis://127.0.0.1:6379/0", prefix=prefix)
    secret = "spx_" + uuid.uuid4().hex
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        pins.remember(secret, 2**40 + 5)
        pins.remember(secret, 7)
        assert pins.position(secret) == 2**40 + 5
        assert (
            WritePins(ttl=30, redis_url="redis://127.0.0.1:6379/0", prefix=prefix).position(secret)
            == 2**40 + 5
        )
        keys = client.keys(f"{prefix}:*")
        assert len(keys) == 1 and secret.encode() not in keys[0] and 0 < client.ttl(keys[0]) <= 30
    finally:
        for key in client.keys(f"{prefix}:*"):
            client.delete(key)


def test_pins_with_redis_down_answer_unknown_at_once_and_do_not_retry_at_once():
    pins = WritePins(ttl=30, redis_url="redis://127.0.0.1:1/0", retry_after=60)
    pins.remember("spx_a", 10)  # never raises
    started = time.monotonic()
    assert pins.position("spx_a") == UNKNOWN  # the caller reads from the primary
    assert pins.position("spx_b") == UNKNOWN
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize(
    ("config", "timeout"),
    [({}, 2), ({"REPLICA_CONNECT_TIMEOUT": 1}, 2), ({"REPLICA_CONNECT_TIMEOUT": 5}, 5)],
)
def test_engine_options_bound_the_wait_for_a_dead_replica(config, timeout):
    options = engine_options({"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 3}, **config})
    assert options["connect_args"]["connect_timeout"] == timeout
    assert options["pool_pre_ping"] is True and options["pool_size"] == 3
    assert options["pool_timeout"] == 1.0
