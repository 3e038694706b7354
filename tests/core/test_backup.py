"""Backups restore into a fresh database that serves (issue 13 §2, deploy/backup.py)."""

from __future__ import annotations

import psycopg

from deploy import backup


def test_backup_restores_into_a_fresh_database_that_serves(app, sympraxis_database, tenant_factory):
    """A pg_dump of the live database restores into a new database with every row, and the
    application (as its non-owner role, under row-level security) serves the municipalities from
    it: the procedure in the README works, not just the dump."""
    tenant_factory()
    tenant_factory()
    result = backup.verify(sympraxis_database["admin"], sympraxis_database["app"])
    assert result["problems"] == []
    assert result["rows"] > 0 and result["bytes"] > 0


def test_restore_refuses_an_existing_database(sympraxis_database, tmp_path):
    """Restoring never writes over an existing database (a typo must not overwrite live data)."""
    import pytest

    dump = tmp_path / "x.dump"
    backup.dump(sympraxis_database["admin"], str(dump))
    existing = sympraxis_database["admin"].rsplit("/", 1)[1]
    with pytest.raises(SystemExit, match="exists"):
        backup.restore(sympraxis_database["admin"], str(dump), existing)
    with psycopg.connect(sympraxis_database["admin"]) as conn:
        assert conn.execute("SELECT count(*) FROM tenants").fetchone()[0] >= 0


def test_smoke_check_catches_a_database_that_does_not_serve(sympraxis_database, tenant_factory):
    """The smoke check is not blind: a municipality whose rows the app role cannot read (grants
    lost in a restore) is reported."""
    t = tenant_factory()
    with psycopg.connect(sympraxis_database["admin"], autocommit=True) as conn:
        conn.execute("REVOKE SELECT ON tenants FROM sympraxis_app")
        try:
            problems = backup.smoke(sympraxis_database["admin"], sympraxis_database["app"], sample=500)
        finally:
            conn.execute("GRANT SELECT ON tenants TO sympraxis_app")
    assert problems, t
