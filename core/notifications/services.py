"""Notifications honour each person's settings: immediately, in a daily digest, or not at all.

A *kind* (:class:`NotificationKind`) is declared by the core or a plugin (hook
``sympraxis_notification_kinds``); plugins send through :func:`notify` (``core.toolkit``), never
``send_mail``, for anything that is not transactional. Transactional mail (sign-up verification,
password reset, invitations, a registration's confirmation, change or cancellation, a guest's
confirm link and data links, receipts) is not a notification: the person asked for it, so it is
always sent with ``send_mail``.

A setting applies to one municipality or to all (``municipality_id`` NULL); the municipality's
own row wins, then the one for all, then the kind's default. The unsubscribe link of a
notification (signed: person, kind, municipality) turns that kind off in that municipality.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext, ngettext
from itsdangerous import BadSignature, URLSafeSerializer

from core.accounts.models import Account
from core.db import active_tenant_id, cross_tenant_read, tenant_context
from core.extensions import db
from core.mail import Mail, send_mail
from core.notifications.models import MODES, NotificationPreference, QueuedNotification
from core.tenancy import apex_host, external_url, utcnow


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification a person can choose how to receive. ``code`` is stable
    (``"<plugin>.<what>"``); ``label`` and ``description`` are shown on the settings page (lazy
    strings, in the plugin's translation domain); ``default`` applies until the person chooses."""

    code: str
    label: Any
    description: Any = ""
    default: str = "immediate"

    def __post_init__(self) -> None:
        if self.default not in MODES:
            raise ValueError(f"default of {self.code!r} must be one of {MODES}")


class UnknownNotificationKind(LookupError):
    """:func:`notify` was called with a kind no plugin declares (a programming error)."""


def notification_kinds() -> list[NotificationKind]:
    """Every kind the installed plugins declare, in a stable order (by code)."""
    from core.plugins import registry

    kinds: dict[str, NotificationKind] = {}
    for result in registry().pm.hook.sympraxis_notification_kinds():
        for kind in result or []:
            kinds[kind.code] = kind
    return [kinds[code] for code in sorted(kinds)]


@dataclass(frozen=True)
class KindGroup:
    """The kinds one module declares (``plugin`` None: the core's), under its title."""

    plugin: str | None
    title: str
    kinds: list[NotificationKind]


def kinds_by_module(tenants: list[Any]) -> list[KindGroup]:
    """The kinds a person can receive in ``tenants``: the core's, and those of the plugins on in
    at least one of them, grouped by module (the core's first, then by the module's title in the
    reader's language); a kind of a module on nowhere the person is would never reach them."""
    from core.plugins import registry
    from core.tenancy import TenantPlugin

    reg = registry()
    enabled = set(reg.builtin_names())
    if tenants:
        with cross_tenant_read():  # reviewed: which plugins are on in the person's municipalities
            enabled |= set(
                db.session.execute(
                    sa.select(TenantPlugin.plugin)
                    .where(
                        TenantPlugin.tenant_id.in_([t.id for t in tenants]),
                        TenantPlugin.enabled.is_(True),
                    )
                    .execution_options(all_tenants=True)
                ).scalars()
            )
    groups: dict[str | None, dict[str, NotificationKind]] = {}
    for impl in reg.pm.hook.sympraxis_notification_kinds.get_hookimpls():
        source = impl.plugin_name if impl.plugin_name in reg.plugins else None
        if source is not None and source not in enabled:
            continue
        for kind in impl.function() or []:
            groups.setdefault(source, {})[kind.code] = kind
    out = [
        KindGroup(
            plugin=source,
            title=reg.plugins[source].title if source is not None else gettext("General"),
            kinds=list(found.values()),  # in the order the module declares them
        )
        for source, found in groups.items()
        if found
    ]
    return sorted(out, key=lambda g: (g.plugin is not None, g.title.casefold()))


def _kind(code: str) -> NotificationKind:
    for kind in notification_kinds():
        if kind.code == code:
            return kind
    raise UnknownNotificationKind(code)


def preference(account_id: int, kind: str, municipality_id: int | None) -> str:
    """The mode that applies: the municipality's row, else the row for all, else the default."""
    rows = dict(
        db.session.execute(
            sa.select(NotificationPreference.municipality_id, NotificationPreference.mode).where(
                NotificationPreference.account_id == account_id,
                NotificationPreference.kind == kind,
                sa.or_(
                    NotificationPreference.municipality_id.is_(None),
                    NotificationPreference.municipality_id == municipality_id,
                ),
            )
        ).all()
    )
    if municipality_id is not None and municipality_id in rows:
        return rows[municipality_id]
    return rows.get(None) or _kind(kind).default


def settings_of(account_id: int, municipality_id: int | None) -> dict[str, str | None]:
    """Kind → the mode stored for exactly this scope (None: not set here, the wider one applies)."""
    stored = dict(
        db.session.execute(
            sa.select(NotificationPreference.kind, NotificationPreference.mode).where(
                NotificationPreference.account_id == account_id,
                NotificationPreference.municipality_id.is_(None)
                if municipality_id is None
                else NotificationPreference.municipality_id == municipality_id,
            )
        ).all()
    )
    return {k.code: stored.get(k.code) for k in notification_kinds()}


def set_preference(account_id: int, kind: str, municipality_id: int | None, mode: str | None) -> None:
    """Store ``mode`` for this scope; None removes the row (the wider setting applies again)."""
    _kind(kind)
    if mode is not None and mode not in MODES:
        raise ValueError(mode)
    row = db.session.execute(
        sa.select(NotificationPreference).where(
            NotificationPreference.account_id == account_id,
            NotificationPreference.kind == kind,
            NotificationPreference.municipality_id.is_(None)
            if municipality_id is None
            else NotificationPreference.municipality_id == municipality_id,
        )
    ).scalar_one_or_none()
    if mode is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(
            NotificationPreference(
                account_id=account_id, kind=kind, municipality_id=municipality_id, mode=mode
            )
        )
    else:
        row.mode = mode
    db.session.flush()


# --- the unsubscribe link -----------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="core.notifications.off")


def unsubscribe_token(account_id: int, kind: str, municipality_id: int) -> str:
    return _serializer().dumps({"a": account_id, "k": kind, "t": municipality_id})


def read_unsubscribe_token(token: str, municipality_id: int | None) -> tuple[int, str] | None:
    """``(account id, kind)`` a link names, or None if forged, for another municipality, or for
    a kind no longer declared."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("t") != municipality_id or not isinstance(data.get("a"), int):
        return None
    kind = data.get("k")
    if not isinstance(kind, str) or kind not in {k.code for k in notification_kinds()}:
        return None
    return data["a"], kind


def settings_url(municipality_id: int | None = None) -> str:
    """The settings page on the apex (where the person's account lives)."""
    query = f"?municipality={municipality_id}" if municipality_id else ""
    return external_url(apex_host(), f"/account/notifications{query}")


# --- sending ------------------------------------------------------------------------------


def notify(account_id: int, kind: str, mail: Mail) -> str:
    """Send ``mail`` (written in the person's language) to the account as their settings for
    ``kind`` in the active municipality say: ``"sent"`` (queued after the commit, with the link
    that turns the kind off), ``"queued"`` for tonight's digest, or ``"off"``. Nothing for an
    erased account or one without an address (``"off"``)."""
    tenant_id = active_tenant_id()
    if tenant_id is None:
        raise RuntimeError("notify() needs an active municipality (tenant_context)")
    account = db.session.get(Account, account_id)
    if account is None or account.email is None or account.erased_at is not None:
        return "off"
    mode = preference(account_id, kind, tenant_id)
    if mode == "off":
        return "off"
    if mode == "digest":
        db.session.add(
            QueuedNotification(account_id=account_id, kind=kind, subject=mail.subject[:300], text=mail.text)
        )
        db.session.flush()
        return "queued"
    from core.tenancy import current_tenant

    tenant = current_tenant()
    host = tenant.primary_host if tenant is not None else _primary_host(tenant_id)
    stop = external_url(host, f"/notifications/off/{unsubscribe_token(account_id, kind, tenant_id)}")
    send_mail(Mail(**{**mail.__dict__, "to": [account.email], "unsubscribe_url": stop}))
    return "sent"


def _primary_host(tenant_id: int) -> str:
    from core.accounts.services.common import primary_hosts

    return primary_hosts([tenant_id]).get(tenant_id, "")


# --- the daily digest ---------------------------------------------------------------------

DIGEST_EVERY = 24 * 3600


def send_digests(now: dt.datetime | None = None) -> int:
    """One mail per person with everything queued for them, in every municipality, since the
    last digest: a section per municipality, in the person's language. A reviewed cross-tenant
    read (the queue of all municipalities, SELECT only), then each municipality's rows are marked
    sent inside that municipality. Returns the number of mails."""
    from core.tenancy import Tenant

    now = now or utcnow()
    with cross_tenant_read():
        rows = db.session.execute(
            sa.select(
                QueuedNotification.tenant_id,
                QueuedNotification.id,
                QueuedNotification.account_id,
                QueuedNotification.subject,
                QueuedNotification.text,
            )
            .where(QueuedNotification.sent_at.is_(None), QueuedNotification.created_at <= now)
            .order_by(
                QueuedNotification.account_id, QueuedNotification.tenant_id, QueuedNotification.created_at
            )
            .execution_options(all_tenants=True)
        ).all()
    if not rows:
        return 0
    tenants = {
        t.id: t
        for t in db.session.execute(
            sa.select(Tenant).where(Tenant.id.in_({r.tenant_id for r in rows}))
        ).scalars()
    }
    people: dict[int, list[Any]] = {}
    for row in rows:
        people.setdefault(row.account_id, []).append(row)
    accounts = {
        a.id: a for a in db.session.execute(sa.select(Account).where(Account.id.in_(list(people)))).scalars()
    }
    sent = 0
    for account_id, items in people.items():
        account = accounts.get(account_id)
        if account is None or account.email is None or account.erased_at is not None:
            continue
        first = tenants.get(items[0].tenant_id)
        locale = account.locale or (first.default_locale if first is not None else None) or "en"
        with force_locale(locale):
            send_mail(_digest_mail(account, items, tenants))
        sent += 1
    by_tenant: dict[int, list[Any]] = {}
    for row in rows:
        by_tenant.setdefault(row.tenant_id, []).append(row.id)
    for tenant_id, ids in by_tenant.items():
        with tenant_context(tenant_id):
            db.session.execute(
                sa.update(QueuedNotification).where(QueuedNotification.id.in_(ids)).values(sent_at=now)
            )
    db.session.commit()
    return sent


def _digest_mail(account: Account, items: list[Any], tenants: dict[int, Any]) -> Mail:
    parts = [
        gettext("Hello %(name)s,", name=account.display_name) if account.display_name else gettext("Hello,"),
        ngettext(
            "Here is what happened since your last digest (%(num)d notification).",
            "Here is what happened since your last digest (%(num)d notifications).",
            len(items),
        ),
    ]
    current = None
    for item in items:
        if item.tenant_id != current:
            current = item.tenant_id
            name = tenants[current].name if current in tenants else ""
            parts.append(f"{name}\n{'=' * len(name)}")
        parts.append(f"{item.subject}\n{item.text}")
    parts.append(gettext("Choose which notifications you get, and how: %(link)s", link=settings_url()))
    return Mail(
        to=[account.email],
        subject=ngettext(
            "Your daily digest: %(num)d notification", "Your daily digest: %(num)d notifications", len(items)
        ),
        text="\n\n".join(parts),
        unsubscribe_url=settings_url(),
    )


def digest_job(payload: dict[str, Any]) -> None:
    send_digests()
