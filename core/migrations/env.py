"""Alembic environment: one history, a branch per plugin, run as the owner role."""

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, pool
from sqlalchemy.types import TypeDecorator

from core.extensions import db

config = context.config
target_metadata = db.metadata


def _render_item(type_: str, obj, autogen_context):
    """The core's column types (``UTCDateTime``, ``ReferenceType``) are written into revisions as
    the SQLAlchemy type they store, so a plugin's migrations import nothing but ``sa``."""
    if type_ == "type" and isinstance(obj, TypeDecorator) and type(obj).__module__.startswith("core."):
        return f"sa.{obj.impl_instance!r}"
    return False


def _include_object(obj, name, type_, reflected, compare_to) -> bool:
    """With ``sympraxis db revision --plugin NAME``, autogenerate compares only that plugin's tables."""
    only = config.attributes.get("sympraxis_only_tables")
    if only is None:
        return True
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in only


def _url() -> str:
    return current_app.config.get("MIGRATIONS_DATABASE_URI") or current_app.config["SQLALCHEMY_DATABASE_URI"]


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=_url().startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=_render_item,
            include_object=_include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
            role = current_app.config.get("APP_DB_ROLE")
            if role and connection.dialect.name == "postgresql":
                # the application role reads and writes rows; it owns nothing and bypasses nothing
                connection.exec_driver_sql(
                    f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'
                )
                connection.exec_driver_sql(
                    f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"'
                )
                connection.exec_driver_sql(f'REVOKE ALL ON alembic_version FROM "{role}"')
            if connection.dialect.name == "postgresql":
                _sync_cross_tenant_reader(connection, role)
    engine.dispose()


def _sync_cross_tenant_reader(connection, app_role) -> None:
    """The reader role reads every row (SELECT only) and is the one role the cross-tenant policy
    admits; the application role may read the list, never change it (issue 10 item 16)."""
    from core.db import CROSS_TENANT_READERS_TABLE

    readers = CROSS_TENANT_READERS_TABLE

    reader = current_app.config.get("READER_DB_ROLE")
    connection.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {readers} (role_name TEXT NOT NULL, "
        f"CONSTRAINT pk_{readers} PRIMARY KEY (role_name))"
    )
    connection.exec_driver_sql(f"REVOKE ALL ON {readers} FROM PUBLIC")
    connection.exec_driver_sql(f"GRANT SELECT ON {readers} TO PUBLIC")
    if app_role:
        connection.exec_driver_sql(f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {readers} FROM "{app_role}"')
    connection.exec_driver_sql(f"DELETE FROM {readers}")
    if reader:
        if reader == app_role:
            raise RuntimeError("READER_DB_ROLE must be another role than APP_DB_ROLE")
        connection.exec_driver_sql(f"INSERT INTO {readers} (role_name) VALUES (%(r)s)", {"r": reader})
        connection.exec_driver_sql(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{reader}"')
        connection.exec_driver_sql(f'REVOKE ALL ON alembic_version FROM "{reader}"')


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
