"""The registry's rules: entries and their versions, verification, figures, the annual campaign,
the directory and its exports. Views, the API and jobs call these and stay thin.

Services flush, never commit (the caller commits, so mail leaves only with what it confirms).
A broken rule is a :class:`RuleViolation` with a translated message (409, 403 or 404).
"""

import csv
import datetime as dt
import decimal
import io
import re
import uuid
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm import defer

from core.toolkit import (
    Account,
    Affiliation,
    AffiliationStatus,
    Mail,
    Membership,
    NotificationKind,
    Organisation,
    OrganisationMember,
    RuleViolation,
    active_tenant_id,
    db,
    external_url,
    gettext,
    lazy_gettext,
    notify,
    organisations_of,
    plugin_settings,
    send_mail,
    tenant_info,
    utcnow_aware,
)
from plugins.registry import taxonomy
from plugins.registry.models import (
    PACT_OUTCOMES,
    AggregateConsent,
    Entry,
    EntryVersion,
    Figures,
    Pact,
    PactDocument,
    PactParty,
    PactReview,
    PactRevision,
    PactStatus,
    Reminder,
    ReportingYear,
    ReverifyNotice,
    VersionStatus,
)

PLUGIN = "registry"

#: the fields an organisation submits and staff verify (each a column of ``Entry``)
TEXT_LIMITS = {
    "name": 200,
    "legal_form": 40,
    "service_type": 40,
    "provider": 20,
    "business_number": 50,
    "sse_number": 50,
    "description": 10_000,
    "services_offered": 5_000,
    "address": 300,
    "area": 100,
    "contact_name": 200,
    "contact_email": 254,
    "contact_phone": 50,
    "website": 300,
    "opening_hours": 300,
}
LIST_FIELDS = ("sectors", "population_groups", "languages")
FIELDS = ("kind", *TEXT_LIMITS, *LIST_FIELDS, "latitude", "longitude", "starts_on", "ends_on")
#: what the settings may make mandatory
OPTIONAL_FIELDS = (
    "legal_form",
    "business_number",
    "address",
    "sectors",
    "population_groups",
    "contact_email",
)
PERSONAL_FIELDS = ("contact_name", "contact_email", "contact_phone")
EARLIEST_YEAR = 2000


def settings() -> dict[str, Any]:
    return plugin_settings(PLUGIN)


def _country() -> str:
    info = tenant_info(active_tenant_id())
    return info.country if info else ""


def _setting_list(key: str) -> list[str]:
    """A list setting (kinds, mandatory fields); a comma-separated string from before too."""
    value = settings().get(key) or []
    return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else list(value)


def allowed_kinds() -> dict:
    wanted = _setting_list("kinds")
    return {k: v for k, v in taxonomy.KINDS.items() if not wanted or k in wanted}


# --- who may act for an organisation ------------------------------------------------------------


def manageable_organisations(account: Any) -> list[Organisation]:
    """The organisations ``account`` administers that are approved in this municipality."""
    if account is None:
        return []
    mine = [m.organisation_id for m in organisations_of(account) if m.role == "admin"]
    if not mine:
        return []
    approved = (
        sa.select(Affiliation.organisation_id)
        .where(Affiliation.organisation_id.in_(mine), Affiliation.status == AffiliationStatus.APPROVED.value)
        .scalar_subquery()
    )
    found = db.session.execute(sa.select(Organisation).where(Organisation.id.in_(approved))).scalars()
    return sorted(found, key=lambda o: o.name.casefold())


def _check_organisation(account: Any, organisation_id: int | None) -> None:
    if organisation_id is None or organisation_id not in {o.id for o in manageable_organisations(account)}:
        raise RuleViolation(
            gettext("Only an administrator of an organisation approved here can submit its entry."),
            status=403,
            code="not_organisation_admin",
            field="organisation_id",
        )


def may_edit(entry: Entry, account: Any) -> bool:
    return entry.organisation_id is not None and entry.organisation_id in {
        o.id for o in manageable_organisations(account)
    }


# --- cleaning what was submitted ----------------------------------------------------------------


def _bad(message: str, field: str, code: str = "invalid") -> RuleViolation:
    return RuleViolation(message, code=code, field=field)


def clean(raw: dict[str, Any]) -> dict[str, Any]:
    """The entry's data, trimmed and checked against the taxonomies and the municipality's
    settings (JSON-ready: dates as ISO strings), or a :class:`RuleViolation` naming the field."""
    data: dict[str, Any] = {}
    kind = raw.get("kind") or ""
    if kind not in allowed_kinds():
        raise _bad(gettext("Choose one of the kinds of entry listed."), "kind")
    data["kind"] = kind
    for name, limit in TEXT_LIMITS.items():
        value = (
            " ".join(str(raw.get(name) or "").split())
            if name not in ("description", "services_offered")
            else str(raw.get(name) or "").strip()
        )
        if len(value) > limit:
            raise _bad(gettext("At most %(n)d characters.", n=limit), name)
        data[name] = value
    if not data["name"]:
        raise _bad(gettext("Enter the name."), "name", "name_required")
    choices = {
        "legal_form": taxonomy.legal_forms_for(_country()),
        "service_type": taxonomy.SERVICE_TYPES,
        "provider": taxonomy.PROVIDERS,
    }
    for name, table in choices.items():
        if data[name] and data[name] not in table:
            raise _bad(gettext("Choose one of the options listed."), name)
    if data["contact_email"] and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", data["contact_email"]):
        raise _bad(gettext("Enter a valid e-mail address."), "contact_email")
    for name, table in (
        ("sectors", taxonomy.SECTORS),
        ("population_groups", taxonomy.POPULATION_GROUPS),
        ("languages", dict.fromkeys(taxonomy.LANGUAGES)),
    ):
        values = list(dict.fromkeys(raw.get(name) or []))
        if any(v not in table for v in values):
            raise _bad(gettext("Choose one of the options listed."), name)
        data[name] = values
    lat, lon = raw.get("latitude"), raw.get("longitude")
    if (lat is None) != (lon is None):
        raise _bad(gettext("Give both the latitude and the longitude, or neither."), "latitude")
    if lat is not None and not (-90 <= float(lat) <= 90 and -180 <= float(lon) <= 180):
        raise _bad(gettext("These are not coordinates on Earth."), "latitude")
    data["latitude"] = float(lat) if lat is not None else None
    data["longitude"] = float(lon) if lon is not None else None
    starts, ends = raw.get("starts_on"), raw.get("ends_on")
    starts = dt.date.fromisoformat(starts) if isinstance(starts, str) else starts
    ends = dt.date.fromisoformat(ends) if isinstance(ends, str) else ends
    if starts and ends and ends < starts:
        raise _bad(gettext("The end comes before the start."), "ends_on")
    if kind == "social_action" and not starts:
        raise _bad(gettext("A social action has a start date."), "starts_on")
    data["starts_on"] = starts.isoformat() if starts else None
    data["ends_on"] = ends.isoformat() if ends else None
    required = _setting_list("required_fields")
    for name in required:
        if name in data and not data[name]:
            raise _bad(gettext("This municipality asks for this field."), name, "required")
    return data


def entry_data(entry: Entry) -> dict[str, Any]:
    """The entry's current (public) data, in the form versions store it."""
    data = {name: getattr(entry, name) for name in FIELDS}
    for name in ("starts_on", "ends_on"):
        data[name] = data[name].isoformat() if data[name] else None
    for name in LIST_FIELDS:
        data[name] = list(data[name] or [])
    return data


def _apply(entry: Entry, data: dict[str, Any]) -> None:
    for name in FIELDS:
        value = data.get(name)
        if name in ("starts_on", "ends_on"):
            value = dt.date.fromisoformat(value) if value else None
        setattr(
            entry,
            name,
            value if value is not None or name in ("latitude", "longitude", "starts_on", "ends_on") else "",
        )


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed, field by field (a field absent before counts as empty)."""
    changes = []
    for name in FIELDS:
        old, new = before.get(name), after.get(name)
        if (old or None) != (new or None):
            changes.append({"field": name, "before": old, "after": new})
    return changes


# --- submitting and verifying -------------------------------------------------------------------


def _next_number(entry: Entry) -> int:
    current = db.session.execute(
        sa.select(sa.func.max(EntryVersion.number)).where(EntryVersion.entry_id == entry.id)
    ).scalar()
    return (current or 0) + 1


def submit(
    entry: Entry | None, raw: dict[str, Any], *, account: Any, organisation_id: int | None
) -> EntryVersion:
    """An organisation's admin submits a new entry, or a change to its own: a pending version.
    The public keeps seeing the last verified data until staff verify this one."""
    data = clean(raw)
    if entry is None:
        _check_organisation(account, organisation_id)
        entry = Entry(organisation_id=organisation_id, created_by_id=account.id)
        _apply(entry, data)
        db.session.add(entry)
        db.session.flush()
    else:
        if not may_edit(entry, account):
            raise RuleViolation(
                gettext("Only an administrator of the organisation can change its entry."),
                status=403,
                code="not_organisation_admin",
            )
        if not entry.published:
            _apply(entry, data)  # nobody sees it yet: keep the latest submission
    _lock(entry)
    for pending in _pending(entry):
        pending.status = VersionStatus.SUPERSEDED
    base = entry_data(entry) if entry.published else {}
    version = EntryVersion(
        entry_id=entry.id,
        number=_next_number(entry),
        data=data,
        diff=diff(base, data),
        status=VersionStatus.PENDING,
        submitted_by_id=account.id,
        organisation_id=entry.organisation_id,
    )
    db.session.add(version)
    db.session.flush()
    if entry.published:
        _mail_awaiting(entry, account)
    return version


#: Notifications (the person's settings decide: now, in the daily digest, or off). What answers
#: the organisation's own submission (awaiting verification, verified, needs changes) and the
#: hand-over of an entry (an invitation) are transactional: always sent.
FIGURES_REMINDER = "registry.figures_reminder"
REVERIFY_NOTICE = "registry.reverify_notice"
NOTIFICATION_KINDS = (
    NotificationKind(
        FIGURES_REMINDER,
        lazy_gettext("Reminders to give my organisation's yearly figures"),
        lazy_gettext("Before the figures of a year are due, and once more if they are late."),
    ),
    NotificationKind(
        REVERIFY_NOTICE,
        lazy_gettext("My organisation's register entry needs verifying again"),
        lazy_gettext("When the verification of an entry in the social economy register expires."),
    ),
)


def _mail_awaiting(entry: Entry, submitter: Any) -> None:
    """A change to a verified entry goes to re-verification: its organisation's admins are told
    (each in their language) that the public keeps the verified version until then."""
    info = tenant_info(active_tenant_id())
    link = external_url(info.primary_host, f"/registry/entries/{entry.id}")
    for person in _recipients_of(entry, getattr(submitter, "id", None)):
        with force_locale(_locale_for(person)):
            subject = gettext("%(municipality)s: your changes await verification", municipality=info.name)
            body = gettext(
                "The changes to “%(name)s” are waiting for the municipality to verify them. Until then the "
                "public sees the last verified version.\n%(link)s",
                name=entry.name,
                link=link,
            )
        send_mail(Mail(to=[person.email], subject=subject, text=body))


def _lock(entry: Entry) -> None:
    """Serialise submissions and reviews of one entry (the version numbers and the pending one)."""
    db.session.execute(sa.select(Entry.id).where(Entry.id == entry.id).with_for_update())


def _pending(entry: Entry) -> list[EntryVersion]:
    return list(
        db.session.execute(
            sa.select(EntryVersion).where(
                EntryVersion.entry_id == entry.id, EntryVersion.status == VersionStatus.PENDING
            )
        ).scalars()
    )


def create_by_staff(
    raw: dict[str, Any], *, account: Any, document: str, organisation_id: int | None = None
) -> Entry:
    """Staff record a body without an account (a public service): verified by them at once."""
    data = clean(raw)
    document = _document(document)
    entry = Entry(organisation_id=organisation_id, created_by_id=account.id)
    _apply(entry, data)
    now = utcnow_aware()
    entry.verified_at = now
    db.session.add(entry)
    db.session.flush()
    db.session.add(
        EntryVersion(
            entry_id=entry.id,
            number=1,
            data=data,
            diff=diff({}, data),
            status=VersionStatus.VERIFIED,
            submitted_by_id=account.id,
            reviewed_by_id=account.id,
            reviewed_at=now,
            document=document,
        )
    )
    db.session.flush()
    return entry


def _document(document: str) -> str:
    document = " ".join((document or "").split())
    if not document:
        raise _bad(
            gettext("Name the document you checked the entry against."), "document", "document_required"
        )
    if len(document) > 300:
        raise _bad(gettext("At most %(n)d characters.", n=300), "document")
    return document


def review(
    version: EntryVersion,
    *,
    account: Any,
    approve: bool,
    document: str = "",
    reason: str = "",
    notify: bool = True,
) -> Entry:
    """Staff verify a pending version (against a document: it becomes what the public sees) or
    reject it (with the reason, which the submitter receives; the public version stays)."""
    entry = db.session.get(Entry, (version.tenant_id, version.entry_id))
    _lock(entry)
    db.session.refresh(version)
    if version.status != VersionStatus.PENDING:
        raise RuleViolation(gettext("This version has been reviewed already."), code="not_pending")
    now = utcnow_aware()
    if approve:
        version.document = _document(document)
        version.status = VersionStatus.VERIFIED
        _apply(entry, version.data)
        entry.verified_at = now
    else:
        reason = (reason or "").strip()
        if not reason:
            raise _bad(
                gettext("Say why, so that the organisation can correct it."), "reason", "reason_required"
            )
        version.reason = reason[:5000]
        version.status = VersionStatus.REJECTED
    version.reviewed_by_id = account.id
    version.reviewed_at = now
    db.session.flush()
    if notify:
        _mail_decision(version, entry)
    return entry


def reverify(entry: Entry, *, account: Any, document: str) -> EntryVersion:
    """Staff confirm a stale entry against a new document: a verified version with no changes."""
    document = _document(document)
    if not entry.published:
        raise RuleViolation(gettext("This entry has not been verified yet."), code="not_published")
    _lock(entry)
    now = utcnow_aware()
    version = EntryVersion(
        entry_id=entry.id,
        number=_next_number(entry),
        data=entry_data(entry),
        diff=[],
        status=VersionStatus.VERIFIED,
        submitted_by_id=account.id,
        organisation_id=entry.organisation_id,
        reviewed_by_id=account.id,
        reviewed_at=now,
        document=document,
    )
    entry.verified_at = now
    db.session.add(version)
    db.session.flush()
    return version


def approved_organisations() -> list[Organisation]:
    """The organisations approved in this municipality (those an entry can be handed over to)."""
    approved = sa.select(Affiliation.organisation_id).where(
        Affiliation.status == AffiliationStatus.APPROVED.value
    )
    found = db.session.execute(sa.select(Organisation).where(Organisation.id.in_(approved.scalar_subquery())))
    return sorted(found.scalars(), key=lambda o: o.name.casefold())


def hand_over(entry: Entry, organisation_id: int, *, account: Any) -> None:
    """Staff invite an organisation approved here to take over an entry they recorded for it:
    from now on its admins submit the changes (verified as any other), and they are told so."""
    if entry.organisation_id is not None:
        raise RuleViolation(
            gettext("This entry belongs to an organisation already."), code="has_organisation"
        )
    if organisation_id not in {o.id for o in approved_organisations()}:
        raise _bad(gettext("Choose an organisation approved in this municipality."), "organisation_id")
    entry.organisation_id = organisation_id
    db.session.flush()
    info = tenant_info(active_tenant_id())
    link = external_url(info.primary_host, f"/registry/entries/{entry.id}")
    for person in _recipients_of(entry):
        with force_locale(_locale_for(person)):
            subject = gettext(
                "%(municipality)s invites you to keep your entry up to date", municipality=info.name
            )
            body = gettext(
                "The municipality recorded “%(name)s” in its social economy register. As an administrator of "
                "the organisation you can now correct it and give its yearly figures:\n%(link)s",
                name=entry.name,
                link=link,
            )
        send_mail(Mail(to=[person.email], subject=subject, text=body))


def is_stale(entry: Entry, now: dt.datetime | None = None) -> bool:
    months = settings()["reverify_after_months"]
    now = now or utcnow_aware()
    return entry.published and entry.verified_at < now - dt.timedelta(days=30 * months)


def notified_at(entries: list[Entry]) -> dict[uuid.UUID, dt.datetime]:
    """When the admins of each stale entry were told its verification expired (the review queue)."""
    if not entries:
        return {}
    rows = db.session.execute(
        sa.select(ReverifyNotice.entry_id, ReverifyNotice.verified_at, ReverifyNotice.sent_at).where(
            ReverifyNotice.entry_id.in_([e.id for e in entries])
        )
    ).all()
    current = {e.id: e.verified_at for e in entries}
    return {entry_id: sent for entry_id, verified, sent in rows if current.get(entry_id) == verified}


def send_reverify_notices(now: dt.datetime | None = None) -> int:
    """Tell the admins of each entry whose verification has expired (``reverify_after_months``)
    to check it and submit it again, changed or not: once per verification (a second run sends
    nothing; after the next verification expires, once more). Entries without an organisation
    (public services staff recorded) have nobody to tell: staff see them in the review queue."""
    now = now or utcnow_aware()
    stale = [e for e in stale_entries(now) if e.organisation_id is not None]
    told = notified_at(stale)
    info = tenant_info(active_tenant_id())
    sent = 0
    for entry in stale:
        if entry.id in told:
            continue
        db.session.add(ReverifyNotice(entry_id=entry.id, verified_at=entry.verified_at, sent_at=now))
        link = external_url(info.primary_host, f"/registry/entries/{entry.id}/edit")
        for person in _recipients_of(entry):
            with force_locale(_locale_for(person)):
                subject = gettext(
                    "%(municipality)s: please confirm your entry is up to date", municipality=info.name
                )
                body = gettext(
                    "The verification of “%(name)s” in the social economy register dates from %(date)s and has "
                    "expired. Check the entry and submit it again, with any changes, so that the municipality "
                    "can verify it again:\n%(link)s",
                    name=entry.name,
                    date=entry.verified_at.date().isoformat(),
                    link=link,
                )
            notify(person.id, REVERIFY_NOTICE, Mail(to=[person.email], subject=subject, text=body))
        sent += 1
    db.session.flush()
    return sent


def _recipients_of(entry: Entry, submitted_by_id: int | None = None) -> list[Account]:
    ids: list[int] = []
    if submitted_by_id:
        ids.append(submitted_by_id)
    if entry.organisation_id:
        ids += list(
            db.session.execute(
                sa.select(OrganisationMember.account_id).where(
                    OrganisationMember.organisation_id == entry.organisation_id,
                    OrganisationMember.role == "admin",
                )
            ).scalars()
        )
    if not ids:
        return []
    found = db.session.execute(sa.select(Account).where(Account.id.in_(set(ids)))).scalars()
    return [a for a in found if a.email]


def _locale_for(account: Any) -> str:
    info = tenant_info(active_tenant_id())
    return account.locale if account.locale in info.locales else info.default_locale


def _mail_decision(version: EntryVersion, entry: Entry) -> None:
    info = tenant_info(active_tenant_id())
    link = external_url(info.primary_host, f"/registry/entries/{entry.id}")
    for account in _recipients_of(entry, version.submitted_by_id):
        with force_locale(_locale_for(account)):
            if version.status == VersionStatus.VERIFIED:
                subject = gettext("%(municipality)s: your entry is verified", municipality=info.name)
                body = gettext(
                    "The entry “%(name)s” is verified and now shown in the municipality's directory:\n%(link)s",
                    name=entry.name,
                    link=link,
                )
            else:
                subject = gettext("%(municipality)s: your entry needs changes", municipality=info.name)
                body = gettext(
                    "The changes to the entry “%(name)s” were not verified, for this reason:\n\n%(reason)s\n\n"
                    "Correct them and submit again:\n%(link)s",
                    name=entry.name,
                    reason=version.reason,
                    link=link,
                )
        send_mail(Mail(to=[account.email], subject=subject, text=body))


# --- reading ------------------------------------------------------------------------------------


def get_entry(entry_id: uuid.UUID, *, include_unpublished: bool = False) -> Entry:
    entry = db.session.execute(sa.select(Entry).where(Entry.id == entry_id)).scalar_one_or_none()
    if entry is None or (not entry.published and not include_unpublished):
        raise RuleViolation(gettext("There is no such entry."), status=404, code="not_found")
    return entry


def get_version(version_id: uuid.UUID) -> EntryVersion:
    version = db.session.execute(
        sa.select(EntryVersion).where(EntryVersion.id == version_id)
    ).scalar_one_or_none()
    if version is None:
        raise RuleViolation(gettext("There is no such version."), status=404, code="not_found")
    return version


def versions_of(entry: Entry) -> list[EntryVersion]:
    return list(
        db.session.execute(
            sa.select(EntryVersion)
            .where(EntryVersion.entry_id == entry.id)
            .order_by(EntryVersion.number.desc())
        ).scalars()
    )


def pending_versions() -> list[tuple[EntryVersion, Entry]]:
    rows = db.session.execute(
        sa.select(EntryVersion, Entry)
        .join(Entry, sa.and_(Entry.tenant_id == EntryVersion.tenant_id, Entry.id == EntryVersion.entry_id))
        .where(EntryVersion.status == VersionStatus.PENDING)
        .order_by(EntryVersion.submitted_at)
    )
    return [tuple(r) for r in rows.all()]


def stale_entries(now: dt.datetime | None = None) -> list[Entry]:
    months = settings()["reverify_after_months"]
    cutoff = (now or utcnow_aware()) - dt.timedelta(days=30 * months)
    return list(
        db.session.execute(
            sa.select(Entry)
            .where(Entry.verified_at.is_not(None), Entry.verified_at < cutoff)
            .order_by(Entry.name)
        ).scalars()
    )


def entries_of_organisations(organisation_ids: list[int]) -> list[Entry]:
    if not organisation_ids:
        return []
    return list(
        db.session.execute(
            sa.select(Entry).where(Entry.organisation_id.in_(organisation_ids)).order_by(Entry.name)
        ).scalars()
    )


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def directory(
    *,
    q: str | None = None,
    kind: str | None = None,
    sector: str | None = None,
    group: str | None = None,
    legal_form: str | None = None,
    area: str | None = None,
) -> list[Entry]:
    """Verified entries matching the filters, by name. ``q`` matches every word (in the name,
    description, services offered, address or area), case-insensitively."""
    query = sa.select(Entry).where(Entry.verified_at.is_not(None))
    if kind:
        query = query.where(Entry.kind == kind)
    if legal_form:
        query = query.where(Entry.legal_form == legal_form)
    if area:
        query = query.where(Entry.area == area)
    for word in (q or "").split()[:10]:
        pattern = _like(word)
        query = query.where(
            sa.or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (
                        Entry.name,
                        Entry.description,
                        Entry.services_offered,
                        Entry.address,
                        Entry.area,
                    )
                )
            )
        )
    found = db.session.execute(query.order_by(Entry.name, Entry.id)).scalars()
    # sectors and groups are JSON lists (portable between PostgreSQL and the demo's SQLite)
    return [
        e
        for e in found
        if (not sector or sector in (e.sectors or [])) and (not group or group in (e.population_groups or []))
    ]


def point_map(
    entries: list[Entry], width: int = 640, height: int = 320, pad: int = 24
) -> list[dict[str, Any]]:
    """Where each located entry falls on a plain map of their bounding box (Web Mercator, in
    SVG pixels): drawn on the server, since the page may load no tiles from another host."""
    import math

    located = [e for e in entries if e.latitude is not None and e.longitude is not None]
    if not located:
        return []

    def project(e: Entry) -> tuple[float, float]:
        lat = math.radians(max(min(e.latitude, 85.0), -85.0))
        return e.longitude, math.degrees(math.log(math.tan(math.pi / 4 + lat / 2)))

    points = [project(e) for e in located]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    scale = min(
        (width - 2 * pad) / max(max(xs) - min(xs), 1e-3),
        (height - 2 * pad) / max(max(ys) - min(ys), 1e-3),
    )
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return [
        {
            "entry": e,
            "x": round(width / 2 + (x - cx) * scale, 1),
            "y": round(height / 2 - (y - cy) * scale, 1),
        }
        for e, (x, y) in zip(located, points, strict=True)
    ]


def areas() -> list[str]:
    rows = db.session.execute(
        sa.select(Entry.area).where(Entry.verified_at.is_not(None), Entry.area != "").distinct()
    ).scalars()
    return sorted(set(rows), key=str.casefold)


# --- yearly figures -----------------------------------------------------------------------------

COUNT_FIELDS = (
    "staff_paid",
    "staff_volunteers",
    "staff_vulnerable",
    "staff_women",
    "staff_men",
    "people_served",
)
MONEY_FIELDS = ("revenue", "budget")


def latest_year() -> int:
    return utcnow_aware().year


def save_figures(entry: Entry, year: int, values: dict[str, Any], *, account: Any) -> Figures:
    """The entry's figures for a year (replacing what was there): counts from 0, money from 0,
    the public funding share from 0 to 100 %. Staff more than the total by gender is refused."""
    if not EARLIEST_YEAR <= year <= latest_year():
        raise _bad(
            gettext(
                "Figures are kept for the years %(first)d to %(last)d.",
                first=EARLIEST_YEAR,
                last=latest_year(),
            ),
            "year",
        )
    clean_values: dict[str, Any] = {}
    for name in COUNT_FIELDS:
        value = int(values.get(name) or 0)
        if value < 0 or value > 10_000_000:
            raise _bad(gettext("Give a whole number from 0."), name)
        clean_values[name] = value
    for name in MONEY_FIELDS:
        value = values.get(name)
        if value is not None:
            value = decimal.Decimal(str(value)).quantize(decimal.Decimal("0.01"))
            if not value.is_finite() or value < 0 or value >= decimal.Decimal("1e12"):
                raise _bad(gettext("Give an amount from 0."), name)
        clean_values[name] = value
    share = values.get("public_funding_pct")
    if share is not None:
        share = decimal.Decimal(str(share)).quantize(decimal.Decimal("0.01"))
        if not decimal.Decimal(0) <= share <= decimal.Decimal(100):
            raise _bad(gettext("Give a share from 0 to 100."), "public_funding_pct")
    clean_values["public_funding_pct"] = share
    total = clean_values["staff_paid"] + clean_values["staff_volunteers"]
    if clean_values["staff_women"] + clean_values["staff_men"] > total:
        raise _bad(
            gettext("Women and men together cannot be more than the paid staff and volunteers."),
            "staff_women",
        )
    if clean_values["staff_vulnerable"] > total:
        raise _bad(
            gettext("People from vulnerable groups cannot be more than the staff."), "staff_vulnerable"
        )
    row = db.session.execute(
        sa.select(Figures).where(Figures.entry_id == entry.id, Figures.year == year).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = Figures(entry_id=entry.id, year=year)
        db.session.add(row)
    for name, value in clean_values.items():
        setattr(row, name, value)
    row.submitted_by_id = account.id if account is not None else None
    row.submitted_at = utcnow_aware()
    db.session.flush()
    return row


def report_year() -> int:
    """The year figures are asked for now: the latest open reporting year, else last year."""
    latest = db.session.execute(sa.select(sa.func.max(ReportingYear.year))).scalar()
    return latest or latest_year() - 1


def figures_of(entry: Entry) -> list[Figures]:
    return list(
        db.session.execute(
            sa.select(Figures).where(Figures.entry_id == entry.id).order_by(Figures.year.desc())
        ).scalars()
    )


def figures_dict(row: Figures) -> dict[str, Any]:
    data = {"year": row.year, **{n: getattr(row, n) for n in COUNT_FIELDS}}
    for name in (*MONEY_FIELDS, "public_funding_pct"):
        value = getattr(row, name)
        data[name] = float(value) if value is not None else None
    return data


# --- the annual campaign ------------------------------------------------------------------------


def open_year(year: int, due_on: dt.date, *, account: Any) -> ReportingYear:
    if not EARLIEST_YEAR <= year <= latest_year():
        raise _bad(
            gettext(
                "Figures are kept for the years %(first)d to %(last)d.",
                first=EARLIEST_YEAR,
                last=latest_year(),
            ),
            "year",
        )
    if due_on.year < year:
        raise _bad(gettext("The due date comes after the year it reports on starts."), "due_on")
    exists = db.session.execute(sa.select(ReportingYear.id).where(ReportingYear.year == year)).first()
    if exists:
        raise _bad(gettext("This reporting year is open already."), "year", "year_open")
    row = ReportingYear(year=year, due_on=due_on, opened_by_id=account.id)
    db.session.add(row)
    db.session.flush()
    return row


def reporting_years() -> list[ReportingYear]:
    return list(db.session.execute(sa.select(ReportingYear).order_by(ReportingYear.year.desc())).scalars())


def campaign(year_row: ReportingYear, today: dt.date) -> list[dict[str, Any]]:
    """Each verified entry and its state for the year: ``done``, ``due`` or ``late``."""
    entries = directory()
    done = set(db.session.execute(sa.select(Figures.entry_id).where(Figures.year == year_row.year)).scalars())
    rows = []
    for entry in entries:
        if entry.id in done:
            state = "done"
        else:
            state = "late" if today > year_row.due_on else "due"
        rows.append({"entry": entry, "state": state})
    return rows


def due_updates(organisation_ids: list[int], today: dt.date) -> list[dict[str, Any]]:
    """The organisations' entries with figures still missing for an open year (NGO dashboard)."""
    if not organisation_ids:
        return []
    found = []
    for year_row in reporting_years():
        for row in campaign(year_row, today):
            if row["state"] != "done" and row["entry"].organisation_id in organisation_ids:
                found.append({**row, "year": year_row.year, "due_on": year_row.due_on})
    return found


def send_reminders(today: dt.date) -> int:
    """Remind each verified entry still missing a year's figures: once within the reminder window
    before the due date (``due``), once after it (``late``). Marked in the transaction that
    queues the mail, so a rolled-back run sends nothing and a second run sends nothing twice."""
    days = settings()["reminder_days"]
    sent = 0
    info = tenant_info(active_tenant_id())
    for year_row in reporting_years():
        if today > year_row.due_on:
            kind = "late"
        elif (year_row.due_on - today).days <= days:
            kind = "due"
        else:
            continue
        already = set(
            db.session.execute(
                sa.select(Reminder.entry_id).where(Reminder.year == year_row.year, Reminder.kind == kind)
            ).scalars()
        )
        for row in campaign(year_row, today):
            entry = row["entry"]
            if row["state"] == "done" or entry.id in already:
                continue
            db.session.add(Reminder(entry_id=entry.id, year=year_row.year, kind=kind))
            link = external_url(info.primary_host, f"/registry/entries/{entry.id}/figures/{year_row.year}")
            # the organisation's admins (their settings decide); without them, the entry's contact
            # address, which has no settings: that mail is sent
            recipients = [(a.email, _locale_for(a), a.id) for a in _recipients_of(entry)]
            if not recipients and entry.contact_email:
                recipients = [(entry.contact_email, info.default_locale, None)]
            for address, locale, account_id in recipients:
                with force_locale(locale):
                    if kind == "due":
                        subject = gettext(
                            "%(municipality)s: your figures for %(year)d are due",
                            municipality=info.name,
                            year=year_row.year,
                        )
                    else:
                        subject = gettext(
                            "%(municipality)s: your figures for %(year)d are late",
                            municipality=info.name,
                            year=year_row.year,
                        )
                    body = gettext(
                        "Please give the figures of “%(name)s” for %(year)d (staff, people served, finances) "
                        "by %(due)s:\n%(link)s",
                        name=entry.name,
                        year=year_row.year,
                        due=year_row.due_on.isoformat(),
                        link=link,
                    )
                mail = Mail(to=[address], subject=subject, text=body)
                if account_id is None:
                    send_mail(mail)
                else:
                    notify(account_id, FIGURES_REMINDER, mail)
            sent += 1
    db.session.flush()
    return sent


# --- consent to the aggregates ------------------------------------------------------------------


def consent() -> bool:
    latest = db.session.execute(
        sa.select(AggregateConsent.opted_in)
        .order_by(AggregateConsent.recorded_at.desc(), AggregateConsent.id.desc())
        .limit(1)
    ).scalar()
    return bool(latest)


def consent_history() -> list[AggregateConsent]:
    return list(
        db.session.execute(
            sa.select(AggregateConsent).order_by(AggregateConsent.recorded_at.desc())
        ).scalars()
    )


def set_consent(opted_in: bool, *, account: Any) -> AggregateConsent:
    row = AggregateConsent(opted_in=opted_in, recorded_by_id=account.id if account else None)
    db.session.add(row)
    db.session.flush()
    return row


# --- the municipality's own totals and exports --------------------------------------------------


def municipality_totals(year: int) -> dict[str, Any]:
    """The municipality's totals for a year over its verified entries, by kind, sector and group."""
    rows = db.session.execute(
        sa.select(Entry, Figures)
        .join(Figures, sa.and_(Figures.tenant_id == Entry.tenant_id, Figures.entry_id == Entry.id))
        .where(Entry.verified_at.is_not(None), Figures.year == year)
    ).all()

    def blank():
        return {
            "entries": 0,
            "staff_paid": 0,
            "staff_volunteers": 0,
            "people_served": 0,
            "budget": decimal.Decimal(0),
        }

    total, by_kind, by_sector, by_group = blank(), {}, {}, {}
    for entry, fig in rows:
        cells = [total, by_kind.setdefault(entry.kind, blank())]
        cells += [by_sector.setdefault(s, blank()) for s in entry.sectors or []]
        cells += [by_group.setdefault(g, blank()) for g in entry.population_groups or []]
        for cell in cells:
            cell["entries"] += 1
            cell["staff_paid"] += fig.staff_paid
            cell["staff_volunteers"] += fig.staff_volunteers
            cell["people_served"] += fig.people_served
            cell["budget"] += fig.budget or 0
    return {"year": year, "total": total, "kind": by_kind, "sector": by_sector, "group": by_group}


def years_with_figures() -> list[int]:
    return sorted(set(db.session.execute(sa.select(Figures.year).distinct()).scalars()), reverse=True)


EXPORT_COLUMNS = (
    "id",
    "kind",
    "name",
    "legal_form",
    "business_number",
    "sse_number",
    "address",
    "area",
    "latitude",
    "longitude",
    "sectors",
    "population_groups",
    "website",
    "verified_at",
    "year",
    *COUNT_FIELDS,
    "revenue",
    "public_funding_pct",
    "budget",
)


def export_rows(year: int | None = None) -> list[dict[str, Any]]:
    """Open data: one row per verified entry (and per year of figures), no personal contact."""
    rows = []
    for entry in directory():
        figures = [f for f in figures_of(entry) if year is None or f.year == year] or [None]
        for fig in figures:
            row = {
                "id": str(entry.id),
                "kind": entry.kind,
                "name": entry.name,
                "legal_form": entry.legal_form,
                "business_number": entry.business_number,
                "sse_number": entry.sse_number,
                "address": entry.address,
                "area": entry.area,
                "latitude": entry.latitude,
                "longitude": entry.longitude,
                "sectors": list(entry.sectors or []),
                "population_groups": list(entry.population_groups or []),
                "website": entry.website,
                "verified_at": entry.verified_at.isoformat(),
            }
            row.update(
                figures_dict(fig)
                if fig
                else dict.fromkeys(("year", *COUNT_FIELDS, *MONEY_FIELDS, "public_funding_pct"))
            )
            rows.append(row)
    return rows


def to_csv(rows: list[dict[str, Any]], columns) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: ";".join(v) if isinstance(v, list) else ("" if v is None else v) for k, v in row.items()}
        )
    return out.getvalue()


# --- linked data: ESSGlobal ---------------------------------------------------------------------

ESSGLOBAL_CONTEXT = {
    "essglobal": "http://purl.org/essglobal/vocab/",
    "gr": "http://purl.org/goodrelations/v1#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "rov": "http://www.w3.org/ns/regorg#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "SSEInitiative": "essglobal:SSEInitiative",
    "Address": "essglobal:Address",
    "name": "gr:name",
    "description": "dcterms:description",
    "homepage": {"@id": "foaf:homepage", "@type": "@id"},
    "legalForm": "essglobal:legalForm",
    "economicSector": "essglobal:economicSector",
    "qualifier": "essglobal:qualifier",
    "registration": "rov:registration",
    "hasAddress": "essglobal:hasAddress",
    "streetAddress": "vcard:street-address",
    "locality": "vcard:locality",
    "countryName": "vcard:country-name",
    "lat": {"@id": "geo:lat", "@type": "xsd:decimal"},
    "long": {"@id": "geo:long", "@type": "xsd:decimal"},
    "totalWomen": {"@id": "essglobal:totalWomen", "@type": "xsd:integer"},
    "totalOfMembers": {"@id": "essglobal:totalOfMembers", "@type": "xsd:integer"},
}


def jsonld(entry: Entry, *, with_context: bool = True) -> dict[str, Any]:
    """The entry as an ESSGlobal ``SSEInitiative`` (the solidarity economy's linked-data
    vocabulary), with NACE codes as economic sectors and population groups as qualifiers."""
    info = tenant_info(active_tenant_id())
    node: dict[str, Any] = {
        "@id": external_url(info.primary_host, f"/registry/entries/{entry.id}"),
        "@type": "SSEInitiative",
        "name": entry.name,
    }
    if entry.description:
        node["description"] = entry.description
    if entry.website:
        node["homepage"] = entry.website
    if entry.legal_form:
        node["legalForm"] = taxonomy.label(taxonomy.all_legal_forms(), entry.legal_form)
    if entry.sectors:
        node["economicSector"] = [f"NACE Rev. 2 {code}" for code in entry.sectors]
    if entry.population_groups:
        node["qualifier"] = list(entry.population_groups)
    numbers = [n for n in (entry.business_number, entry.sse_number) if n]
    if numbers:
        node["registration"] = numbers
    if entry.address or entry.latitude is not None:
        address: dict[str, Any] = {"@type": "Address", "locality": info.name, "countryName": info.country}
        if entry.address:
            address["streetAddress"] = entry.address
        if entry.latitude is not None:
            address["lat"] = str(entry.latitude)
            address["long"] = str(entry.longitude)
        node["hasAddress"] = address
    latest = figures_of(entry)[:1]
    if latest:
        node["totalWomen"] = latest[0].staff_women
        node["totalOfMembers"] = latest[0].staff_paid + latest[0].staff_volunteers
    if with_context:
        node = {"@context": ESSGLOBAL_CONTEXT, **node}
    return node


def jsonld_dump() -> dict[str, Any]:
    return {"@context": ESSGLOBAL_CONTEXT, "@graph": [jsonld(e, with_context=False) for e in directory()]}


# --- personal data ------------------------------------------------------------------------------


def export_personal_data(account: Any) -> dict[str, Any] | None:
    versions = list(
        db.session.execute(
            sa.select(EntryVersion).where(EntryVersion.submitted_by_id == account.id)
        ).scalars()
    )
    contact = []
    if account.email:
        contact = list(
            db.session.execute(
                sa.select(Entry).where(sa.func.lower(Entry.contact_email) == account.email.lower())
            ).scalars()
        )
    figures = list(
        db.session.execute(sa.select(Figures).where(Figures.submitted_by_id == account.id)).scalars()
    )
    if not (versions or contact or figures):
        return None
    return {
        "submissions": [
            {
                "entry_id": str(v.entry_id),
                "number": v.number,
                "status": v.status,
                "submitted_at": v.submitted_at.isoformat(),
            }
            for v in versions
        ],
        "contact_person_of": [
            {
                "entry": e.name,
                "contact_name": e.contact_name,
                "contact_email": e.contact_email,
                "contact_phone": e.contact_phone,
            }
            for e in contact
        ],
        "figures_given": [{"entry_id": str(f.entry_id), "year": f.year} for f in figures],
    }


def erase_personal_data(account: Any) -> None:
    """Entries are the organisations' data and stay; the person goes: their account is dropped
    from what they submitted or reviewed, and where they are the contact person, the contact
    fields are emptied (on the entry and in every version that holds them)."""
    for column in ("submitted_by_id", "reviewed_by_id"):
        db.session.execute(
            sa.update(EntryVersion).where(getattr(EntryVersion, column) == account.id).values({column: None})
        )
    for model, column in (
        (Entry, "created_by_id"),
        (Figures, "submitted_by_id"),
        (ReportingYear, "opened_by_id"),
        (AggregateConsent, "recorded_by_id"),
        (Pact, "created_by_id"),
        (PactDocument, "uploaded_by_id"),
        (PactRevision, "changed_by_id"),
        (PactReview, "reviewed_by_id"),
    ):
        db.session.execute(
            sa.update(model).where(getattr(model, column) == account.id).values({column: None})
        )
    if account.email:
        email = account.email.lower()
        blank = dict.fromkeys(PERSONAL_FIELDS, "")
        for entry in db.session.execute(
            sa.select(Entry).where(sa.func.lower(Entry.contact_email) == email)
        ).scalars():
            for name, value in blank.items():
                setattr(entry, name, value)
        for version in db.session.execute(sa.select(EntryVersion)).scalars():
            if str((version.data or {}).get("contact_email", "")).lower() == email:
                version.data = {**version.data, **blank}
                version.diff = [c for c in version.diff or [] if c["field"] not in PERSONAL_FIELDS]
    db.session.flush()


def membership_admin_emails() -> list[str]:
    """Staff and admins of the municipality (who review submissions)."""
    ids = db.session.execute(
        sa.select(Membership.account_id).where(Membership.role.in_(("staff", "admin")))
    ).scalars()
    found = db.session.execute(sa.select(Account.email).where(Account.id.in_(list(ids)))).scalars()
    return [e for e in found if e]


# --- cooperation pacts --------------------------------------------------------------------------


PACT_FIELDS = (
    "title",
    "scope",
    "municipality_commitments",
    "partner_commitments",
    "starts_on",
    "ends_on",
    "signed_document",
    "status",
    "next_review_on",
)
#: a signed document: what its first bytes say it is
DOCUMENT_MAGIC = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
MAX_DOCUMENT_KB = 10 * 1024


def sniff(content: bytes) -> str | None:
    """The document's type from its first bytes (PDF, PNG, JPEG), or None: the name and the
    browser's claim are not trusted."""
    return next((kind for magic, kind in DOCUMENT_MAGIC.items() if content.startswith(magic)), None)


def _pact_state(pact: Pact) -> dict[str, Any]:
    data = {name: getattr(pact, name) for name in PACT_FIELDS}
    for name in ("starts_on", "ends_on", "next_review_on"):
        data[name] = data[name].isoformat() if data[name] else None
    data["entry_ids"] = sorted(str(e.id) for e in parties_of(pact))
    return data


def _check_document(filename: str, content: bytes) -> tuple[str, str]:
    if not content:
        raise _bad(gettext("The file is empty."), "document_file", "empty_file")
    if len(content) > MAX_DOCUMENT_KB * 1024:
        raise _bad(
            gettext("A document may be at most %(n)d kB.", n=MAX_DOCUMENT_KB), "document_file", "too_large"
        )
    kind = sniff(content)
    if kind is None:
        raise _bad(
            gettext("Send the document as a PDF, PNG or JPEG file."), "document_file", "unsupported_type"
        )
    name = " ".join((filename or "").replace("\\", "/").rsplit("/", 1)[-1].split())[:200] or "document"
    return kind, name


def save_pact(
    pact: Pact | None,
    data: dict[str, Any],
    entry_ids: list[uuid.UUID],
    *,
    account: Any,
    document: tuple[str, bytes] | None = None,
) -> Pact:
    """A pact with its parties (entries of this municipality, at least one), and optionally a new
    signed copy (``(filename, content)``). Every save that changes something is a revision with
    its diff: the pact's history."""
    title = " ".join((data.get("title") or "").split())
    if not title:
        raise _bad(gettext("Enter the title."), "title")
    if data.get("status") not in PactStatus.ALL:
        raise _bad(gettext("Choose one of the options listed."), "status")
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if not starts:
        raise _bad(gettext("A pact has a start date."), "starts_on")
    for name in ("starts_on", "ends_on", "next_review_on"):
        if data.get(name) and not 1900 <= data[name].year <= 2100:
            raise _bad(gettext("Give a date from 1900 to 2100."), name)
    if ends and ends < starts:
        raise _bad(gettext("The end comes before the start."), "ends_on")
    review_on = data.get("next_review_on")
    if review_on and review_on < starts:
        raise _bad(gettext("The review comes after the pact starts."), "next_review_on")
    found = list(db.session.execute(sa.select(Entry).where(Entry.id.in_(entry_ids or []))).scalars())
    if not found or len(found) != len(set(entry_ids)):
        raise _bad(gettext("Choose the organisations that are parties to the pact."), "entry_ids")
    checked = _check_document(*document) if document else None
    before = _pact_state(pact) if pact is not None else {}
    if pact is None:
        pact = Pact(created_by_id=account.id if account else None)
        db.session.add(pact)
    pact.title = title[:200]
    for name in ("scope", "municipality_commitments", "partner_commitments"):
        setattr(pact, name, (data.get(name) or "").strip()[:10_000])
    pact.signed_document = " ".join((data.get("signed_document") or "").split())[:300]
    pact.status, pact.starts_on, pact.ends_on = data["status"], starts, ends
    if review_on:
        pact.next_review_on = review_on
    elif not before:
        # a new pact: reviewed a year after it starts; a change without a date leaves it where it was
        pact.next_review_on = dt.date(starts.year + 1, starts.month, min(starts.day, 28))
    db.session.flush()
    db.session.execute(sa.delete(PactParty).where(PactParty.pact_id == pact.id))
    for entry in found:
        db.session.add(PactParty(pact_id=pact.id, entry_id=entry.id))
    db.session.flush()
    if checked:
        kind, name = checked
        db.session.add(
            PactDocument(
                pact_id=pact.id,
                filename=name,
                content_type=kind,
                size=len(document[1]),
                content=document[1],
                uploaded_by_id=account.id if account else None,
            )
        )
    after = _pact_state(pact)
    changes = [
        {"field": k, "before": before.get(k), "after": after.get(k)}
        for k in after
        if (before.get(k) or None) != (after.get(k) or None)
    ]
    if checked:
        changes.append({"field": "document_file", "before": None, "after": checked[1]})
    if changes:
        number = db.session.execute(
            sa.select(sa.func.coalesce(sa.func.max(PactRevision.number), 0)).where(
                PactRevision.pact_id == pact.id
            )
        ).scalar_one()
        db.session.add(
            PactRevision(
                pact_id=pact.id,
                number=number + 1,
                data=after,
                diff=changes,
                changed_by_id=account.id if account else None,
            )
        )
    db.session.flush()
    return pact


def record_pact_review(
    pact: Pact, *, reviewed_on: dt.date, outcome: str, notes: str = "", account: Any
) -> PactReview:
    """The yearly review: recorded with its outcome; the next one falls a year later, and a pact
    the review ends is ended (a revision of the pact says so)."""
    if outcome not in PACT_OUTCOMES:
        raise _bad(gettext("Choose one of the options listed."), "outcome")
    if reviewed_on < pact.starts_on:
        raise _bad(gettext("The review comes after the pact starts."), "reviewed_on")
    if reviewed_on > utcnow_aware().date():
        raise _bad(gettext("Record a review once it has been held."), "reviewed_on")
    notes = (notes or "").strip()
    if len(notes) > 10_000:
        raise _bad(gettext("At most %(n)d characters.", n=10_000), "notes")
    row = PactReview(
        pact_id=pact.id,
        reviewed_on=reviewed_on,
        outcome=outcome,
        notes=notes,
        reviewed_by_id=account.id if account else None,
    )
    db.session.add(row)
    data = {name: getattr(pact, name) for name in PACT_FIELDS}
    data["next_review_on"] = (
        None
        if outcome == "end"
        else dt.date(reviewed_on.year + 1, reviewed_on.month, min(reviewed_on.day, 28))
    )
    if outcome == "end":
        data["status"] = PactStatus.ENDED
        data["ends_on"] = pact.ends_on or reviewed_on
    save_pact(pact, data, [e.id for e in parties_of(pact)], account=account)
    if outcome == "end":
        pact.next_review_on = None
    db.session.flush()
    return row


def add_pact_document(pact: Pact, filename: str, content: bytes, *, account: Any) -> PactDocument:
    """A new signed copy of the pact (checked as on its page: sniffed, at most 10 MB), kept
    beside the earlier ones and recorded in the pact's history."""
    data = {name: getattr(pact, name) for name in PACT_FIELDS}
    save_pact(pact, data, [e.id for e in parties_of(pact)], account=account, document=(filename, content))
    return pact_documents(pact)[0]


def pact_documents(pact: Pact) -> list[PactDocument]:
    return list(
        db.session.execute(
            sa.select(PactDocument)
            .where(PactDocument.pact_id == pact.id)
            .order_by(PactDocument.uploaded_at.desc())
            .options(defer(PactDocument.content))
        ).scalars()
    )


def get_pact_document(pact: Pact, document_id: uuid.UUID) -> PactDocument:
    doc = db.session.execute(
        sa.select(PactDocument).where(PactDocument.pact_id == pact.id, PactDocument.id == document_id)
    ).scalar_one_or_none()
    if doc is None:
        raise RuleViolation(gettext("There is no such document."), status=404, code="not_found")
    return doc


def pact_revisions(pact: Pact) -> list[PactRevision]:
    return list(
        db.session.execute(
            sa.select(PactRevision)
            .where(PactRevision.pact_id == pact.id)
            .order_by(PactRevision.number.desc())
        ).scalars()
    )


def pact_reviews(pact: Pact) -> list[PactReview]:
    return list(
        db.session.execute(
            sa.select(PactReview).where(PactReview.pact_id == pact.id).order_by(PactReview.reviewed_on.desc())
        ).scalars()
    )


def pacts(entry: Entry | None = None) -> list[Pact]:
    query = sa.select(Pact).order_by(Pact.starts_on.desc(), Pact.title)
    if entry is not None:
        query = query.where(
            Pact.id.in_(sa.select(PactParty.pact_id).where(PactParty.entry_id == entry.id).scalar_subquery())
        )
    return list(db.session.execute(query).scalars())


def get_pact(pact_id: uuid.UUID) -> Pact:
    pact = db.session.execute(sa.select(Pact).where(Pact.id == pact_id)).scalar_one_or_none()
    if pact is None:
        raise RuleViolation(gettext("There is no such pact."), status=404, code="not_found")
    return pact


def parties_of(pact: Pact) -> list[Entry]:
    ids = sa.select(PactParty.entry_id).where(PactParty.pact_id == pact.id).scalar_subquery()
    return list(db.session.execute(sa.select(Entry).where(Entry.id.in_(ids)).order_by(Entry.name)).scalars())
