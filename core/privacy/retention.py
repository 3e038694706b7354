"""The retention schedule: how long each kind of personal data is kept, per municipality.

Each plugin declares the kinds of personal data it keeps with the hook
``sympraxis_retention_rules``: a :class:`RetentionRule` per kind, with a default period, the
bounds an admin may choose within, and the function that removes what has outlived it. A
municipality's admins change the periods in ``/admin/privacy``; the privacy notice and "download
my data" read them from here (:func:`schedule`), so what is promised is what is enforced.

Enforcement: the periodic job ``core.retention_purge_all`` enqueues ``core.retention_purge`` for
every municipality, which runs every rule inside that municipality's context (each in a
savepoint: one failing rule does not stop the others). Purges are idempotent: a second run on
the same day finds nothing. ``sympraxis retention purge`` does the same from cron (the demo).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from core.db import active_tenant_id, tenant_context
from core.extensions import db
from core.privacy.models import DataRequest, RetentionSetting
from core.tenancy import Tenant, utcnow

log = logging.getLogger(__name__)

_KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
#: The longest period any rule may allow (ten years).
MAX_DAYS = 3650


@dataclass(frozen=True)
class RetentionRule:
    """One kind of personal data a plugin keeps, and how long (hook ``sympraxis_retention_rules``).

    ``key`` is ``<plugin>.<kind>`` (``"hearings.registrations"``): the name of the setting, which
    the plugin's data declarations (the records of processing, the privacy notice) point to.
    ``label`` names the data and ``description`` says what happens when the period ends, with
    ``%(days)d`` for the period (both translated, ``lazy_gettext``). ``purge(cutoff)`` removes or
    anonymises, inside the municipality's context, what is older than ``cutoff`` (naive UTC: now
    minus the period) by the rule's own clock (the meeting's end, the invitation's expiry), and
    returns how many rows it changed. It must be idempotent and touch nothing younger.
    """

    key: str
    label: Any
    description: Any
    default_days: int
    purge: Callable[[dt.datetime], int]
    min_days: int = 1
    max_days: int = MAX_DAYS

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise ValueError(f"retention rule key {self.key!r} must look like 'plugin.kind'")
        if not 1 <= self.min_days <= self.default_days <= self.max_days <= MAX_DAYS:
            raise ValueError(f"retention rule {self.key!r}: need 1 <= min <= default <= max <= {MAX_DAYS}")


@dataclass(frozen=True)
class ScheduleEntry:
    """A rule as it applies in one municipality: its period there, and whether it was changed."""

    key: str
    plugin: str
    label: str
    description: str
    days: int
    default_days: int
    min_days: int
    max_days: int
    changed: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "data": self.label,
            "what_happens": self.description,
            "days": self.days,
            "default_days": self.default_days,
        }


class RetentionError(ValueError):
    """Periods outside a rule's bounds; ``messages`` maps each key to its (translated) message."""

    def __init__(self, messages: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in messages.items()))
        self.messages = messages


# --- the core's own rules -------------------------------------------------------------------------


def _purge_data_requests(cutoff: dt.datetime) -> int:
    """Records of guests' requests (a keyed hash of the address, what was asked and when) older
    than ``cutoff``; and, whatever the period, the address of a link that expired unused."""
    expired = db.session.execute(
        sa.update(DataRequest)
        .where(DataRequest.email.is_not(None), DataRequest.expires_at < utcnow())
        .values(email=None)
    )
    result = db.session.execute(sa.delete(DataRequest).where(DataRequest.requested_at < cutoff))
    return (result.rowcount or 0) + (expired.rowcount or 0)


def _purge_accessibility_feedback(cutoff: dt.datetime) -> int:
    from core.privacy import feedback

    return feedback.purge(cutoff)


CORE_RULES = (
    RetentionRule(
        key="core.accessibility_feedback",
        label=_l("Accessibility feedback sent to the municipality"),
        description=_l("deleted %(days)d days after it was answered (one not answered yet is kept)"),
        default_days=730,
        min_days=90,
        purge=_purge_accessibility_feedback,
    ),
    RetentionRule(
        key="core.data_requests",
        label=_l("Records of requests for personal data or its erasure"),
        description=_l("deleted %(days)d days after the request"),
        default_days=1095,
        min_days=365,
        purge=_purge_data_requests,
    ),
)


# --- reading the schedule -------------------------------------------------------------------------


def rules() -> dict[str, tuple[str, RetentionRule]]:
    """Every rule of the core and of every installed plugin (enabled or not: data outlives a
    switched-off plugin): key -> (plugin, rule). A duplicate key is an error at its source."""
    from core.plugins import registry

    found: dict[str, tuple[str, RetentionRule]] = {r.key: ("core", r) for r in CORE_RULES}
    reg = registry()
    for name in sorted(reg.plugins):
        for result in reg.only("sympraxis_retention_rules", {name})():
            for rule in result or []:
                if rule.key in found:
                    raise ValueError(f"retention rule {rule.key!r} of {name!r} is declared twice")
                found[rule.key] = (name, rule)
    return found


def _overrides(tenant_id: int) -> dict[str, int]:
    cache = g.setdefault("_retention_overrides", {}) if has_request_context() else {}
    if tenant_id not in cache:
        with tenant_context(tenant_id):
            cache[tenant_id] = dict(
                db.session.execute(sa.select(RetentionSetting.key, RetentionSetting.days)).all()
            )
    return cache[tenant_id]


def _clamp(rule: RetentionRule, days: int | None) -> int:
    """A stored period within the rule's bounds (a plugin may narrow them in a later version)."""
    if days is None:
        return rule.default_days
    return min(max(days, rule.min_days), rule.max_days)


def retention_days(key: str, tenant_id: int | None = None) -> int:
    """How many days the current (or given) municipality keeps the data of rule ``key``."""
    tid = tenant_id or active_tenant_id()
    if tid is None:
        from core.db import TenantNotActive

        raise TenantNotActive(f"retention of {key!r} is per municipality, and no tenant is active")
    found = rules().get(key)
    if found is None:
        raise KeyError(f"no retention rule {key!r}")
    return _clamp(found[1], _overrides(tid).get(key))


def _counted(text: str) -> str:
    """The period's number and its noun agree (Romanian: «7 zile», «30 de zile»)."""
    from flask_babel import get_locale

    from core.i18n import romanian_counts

    return romanian_counts(text) if str(get_locale() or "").startswith("ro") else text


def schedule(tenant_id: int) -> list[ScheduleEntry]:
    """The municipality's retention schedule, every rule with its period there (for the admin
    page, the privacy notice and "download my data")."""
    stored = _overrides(tenant_id)
    entries = []
    for key, (plugin, rule) in rules().items():
        days = _clamp(rule, stored.get(key))
        entries.append(
            ScheduleEntry(
                key=key,
                plugin=plugin,
                label=str(rule.label),
                description=_counted(str(rule.description) % {"days": days}),
                days=days,
                default_days=rule.default_days,
                min_days=rule.min_days,
                max_days=rule.max_days,
                changed=key in stored and stored[key] != rule.default_days,
            )
        )
    return sorted(entries, key=lambda e: (e.plugin != "core", e.plugin, e.key))


# --- changing it ----------------------------------------------------------------------------------


def set_retention(tenant_id: int, values: dict[str, int | None], actor: Any = None) -> dict[str, int]:
    """Save the municipality's periods (``None``: back to the default); all or nothing.

    Raises :class:`RetentionError` naming each period outside its rule's bounds (nothing saved).
    Returns the periods that changed; each change is audited in the caller's transaction.
    """
    from core.plugins import audit

    known = rules()
    errors: dict[str, str] = {}
    for key, days in values.items():
        if key not in known:
            errors[key] = _("Unknown kind of data.")
            continue
        rule = known[key][1]
        if days is not None and (
            not isinstance(days, int) or isinstance(days, bool) or not rule.min_days <= days <= rule.max_days
        ):
            errors[key] = ngettext(  # the last number decides the noun's form
                "Choose a period from %(min)d to %(num)d day.",
                "Choose a period from %(min)d to %(num)d days.",
                rule.max_days,
                min=rule.min_days,
            )
    if errors:
        raise RetentionError(errors)
    changed: dict[str, int] = {}
    with tenant_context(tenant_id):
        rows = {r.key: r for r in db.session.execute(sa.select(RetentionSetting)).scalars()}
        for key, days in values.items():
            rule = known[key][1]
            wanted = rule.default_days if days is None else days
            row = rows.get(key)
            before = row.days if row is not None else rule.default_days
            if wanted == before:
                continue
            if wanted == rule.default_days and row is not None:
                db.session.delete(row)
            elif row is None:
                db.session.add(
                    RetentionSetting(key=key, days=wanted, updated_by_id=getattr(actor, "id", None))
                )
            else:
                row.days, row.updated_at, row.updated_by_id = wanted, utcnow(), getattr(actor, "id", None)
            changed[key] = wanted
        db.session.flush()
    if has_request_context():
        g.pop("_retention_overrides", None)
    if changed:
        audit("retention.changed", tenant_id, {"periods": changed}, actor)
    return changed


# --- enforcing it ---------------------------------------------------------------------------------


def purge_tenant(tenant_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every rule in one municipality (the caller commits): key -> rows changed.

    ``now`` (naive UTC) is the moment the periods are counted back from; tests travel in time
    with it. Each rule runs in a savepoint: a rule that raises is logged, recorded for the
    operator and rolled back alone. What was purged is audited (counts only).
    """
    from core.plugins import audit, registry

    now = now or utcnow()
    done: dict[str, int] = {}
    for key, (plugin, rule) in rules().items():
        days = retention_days(key, tenant_id)
        cutoff = now - dt.timedelta(days=days)
        try:
            with tenant_context(tenant_id), db.session.begin_nested():
                count = int(rule.purge(cutoff) or 0)
                db.session.flush()
        except Exception as exc:  # noqa: BLE001 - one rule failing leaves the others to run
            log.exception("retention rule %s failed in tenant %s", key, tenant_id)
            if plugin != "core":
                registry().record_error(plugin, "sympraxis_retention_rules", exc)
            continue
        if count:
            done[key] = count
    if done:
        audit("retention.purged", tenant_id, {"rows": done}, None)
    return done


def tenant_ids_to_purge() -> list[int]:
    """Every municipality that holds data (active, suspended or archived; not a deleted one)."""
    return list(
        db.session.execute(
            sa.select(Tenant.id)
            .where(Tenant.status.in_(("active", "suspended", "archived")))
            .order_by(Tenant.id)
        ).scalars()
    )


def purge_job(payload: dict[str, Any]) -> None:
    """``core.retention_purge``: one municipality (the job runs inside it)."""
    tenant_id = active_tenant_id()
    if tenant_id is not None:
        purge_tenant(tenant_id)


def purge_all_job(payload: dict[str, Any]) -> None:
    """``core.retention_purge_all`` (scheduled): one ``core.retention_purge`` per municipality."""
    from core.jobs import enqueue

    for tenant_id in tenant_ids_to_purge():
        enqueue("core.retention_purge", tenant_id, {})
