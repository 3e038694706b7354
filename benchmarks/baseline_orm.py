"""Baseline (b): a plain Flask-SQLAlchemy app, what a developer would write without Sympraxis.

The same tables, the same queries and the same JSON as Sympraxis's ``GET /api/v1/tenant`` and the
test plugin's ``GET /api/v1/testplugin/notes``, with no tenancy walls, no plugins, no row-level
security, no sessions, locales, rate limits or CSRF: Flask-SQLAlchemy models, ``select()``
statements, marshmallow schemas, ``jsonify``. The tenant is found by the Host header through an
in-process cache with the same time-to-live as Sympraxis's ``HostCache`` (a developer would cache
it too), so that in the steady state the per-request SQL is the same as Sympraxis's.

Connects as ``BENCH_PLAIN_DATABASE_URL``: a role with BYPASSRLS (no row-level security).
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from typing import Any

import sqlalchemy as sa
from flask import Flask, abort, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from marshmallow import Schema, fields
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TTL = float(os.environ.get("BENCH_TENANT_CACHE_TTL", "5"))


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Tenant(db.Model):
    __tablename__ = "tenants"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(63))
    name: Mapped[str] = mapped_column(sa.String(200))
    country: Mapped[str] = mapped_column(sa.String(2))
    default_locale: Mapped[str] = mapped_column(sa.String(5))
    locales: Mapped[list[str]] = mapped_column(sa.JSON)
    timezone: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16))


class TenantDomain(db.Model):
    __tablename__ = "tenant_domains"
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    host: Mapped[str] = mapped_column(sa.String(253))
    verified_at: Mapped[dt.datetime | None]


class TenantPlugin(db.Model):
    __tablename__ = "tenant_plugins"
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    plugin: Mapped[str] = mapped_column(sa.String(64))
    enabled: Mapped[bool]


class Note(db.Model):
    __tablename__ = "testplugin_notes"
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime]


class TenantSchema(Schema):
    slug = fields.String()
    name = fields.String()
    country = fields.String()
    default_locale = fields.String()
    locales = fields.List(fields.String())
    timezone = fields.String()
    status = fields.String()
    plugins = fields.List(fields.String())


class NoteSchema(Schema):
    id = fields.UUID()
    title = fields.String()
    body = fields.String()


tenant_schema = TenantSchema()
notes_schema = NoteSchema(many=True)

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BENCH_PLAIN_DATABASE_URL"].replace(
    "postgresql://", "postgresql+psycopg://", 1
)
db.init_app(app)
_tenants: dict[str, tuple[float, Tenant | None]] = {}


def after_fork() -> None:
    """Each worker opens its own connections (none inherited from the master)."""
    with app.app_context():
        db.engine.dispose(close=False)


def tenant_for_host() -> dict[str, Any]:
    host = request.host.split(":", 1)[0].lower()
    entry = _tenants.get(host)
    if entry is None or entry[0] < time.monotonic():
        tenant = db.session.execute(
            sa.select(Tenant)
            .join(TenantDomain, TenantDomain.tenant_id == Tenant.id)
            .where(TenantDomain.host == host, TenantDomain.verified_at.is_not(None))
        ).scalar_one_or_none()
        if tenant is not None:
            db.session.expunge(tenant)
        entry = _tenants[host] = (time.monotonic() + TTL, tenant)
    if entry[1] is None:
        abort(404)
    return entry[1]


@app.get("/api/v1/tenant")
def tenant():
    t = tenant_for_host()
    plugins = db.session.execute(
        sa.select(TenantPlugin.plugin)
        .where(TenantPlugin.tenant_id == t.id, TenantPlugin.enabled.is_(True))
        .order_by(TenantPlugin.plugin)
    ).scalars()
    return jsonify(
        tenant_schema.dump(
            {
                "slug": t.slug,
                "name": t.name,
                "country": t.country,
                "default_locale": t.default_locale,
                "locales": list(t.locales),
                "timezone": t.timezone,
                "status": t.status,
                "plugins": list(plugins),
            }
        )
    )


@app.get("/api/v1/testplugin/notes")
def notes():
    t = tenant_for_host()
    rows = db.session.execute(
        sa.select(Note).where(Note.tenant_id == t.id).order_by(Note.created_at)
    ).scalars()
    return jsonify(notes_schema.dump(rows))
