"""Identifiers for tenant-owned rows.

Tenant-owned tables key on ``(tenant_id, id)``. SQLite cannot autoincrement a column of a
composite key, so ids are generated in Python: UUIDv7, time-ordered so that B-tree inserts stay
local (a random UUIDv4 scatters writes over the whole index).
"""

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    """Return a UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits."""
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (rand >> 68 & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b
    return uuid.UUID(int=value)
