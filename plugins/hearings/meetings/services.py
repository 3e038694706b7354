"""Meetings (hearings, forums, workshops): lookup, listing, saving, iCalendar."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import icalendar
import sqlalchemy as sa

from core.toolkit import (
    active_tenant_id,
    db,
    external_url,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError, the_tenant
from plugins.hearings.models import (
    Consultation,
    Meeting,
    Programme,
)


def get_meeting(meeting_id: uuid.UUID, lock: bool = False) -> Meeting:
    q = sa.select(Meeting).where(Meeting.id == meeting_id)
    if lock:
        q = q.with_for_update()
    m = db.session.execute(q).scalar_one_or_none()
    if m is None:
        raise HearingsError(_("This meeting does not exist."), 404)
    return m


def list_meetings(upcoming_only: bool = False) -> list[Meeting]:
    q = sa.select(Meeting).order_by(Meeting.starts_at)
    if upcoming_only:
        q = q.where(Meeting.ends_at >= utcnow())
    return list(db.session.execute(q).scalars())


def save_meeting(m: Meeting | None, **data: Any) -> Meeting:
    """Create or update a meeting (times naive UTC)."""
    if not (data.get("title") or "").strip():
        raise HearingsError(_("Give the meeting a title."), field_name="title")
    if data["ends_at"] <= data["starts_at"]:
        raise HearingsError(_("The end must be after the start."), field_name="ends_at")
    ro, rc = data.get("registration_opens_at"), data.get("registration_closes_at")
    if ro and rc and rc <= ro:
        raise HearingsError(_("Registration must close after it opens."), field_name="registration_closes_at")
    if data.get("capacity") is not None and data["capacity"] < 1:
        raise HearingsError(
            _("The capacity must be at least 1, or empty for no limit."), field_name="capacity"
        )
    if not (data.get("place") or "").strip() and not (data.get("online_url") or "").strip():
        raise HearingsError(_("Give a place, an online link, or both."), field_name="place")
    for key, model in (("programme_id", Programme), ("consultation_id", Consultation)):
        # the tenant wall hides another municipality's rows: a foreign id is simply not found here
        if data.get(key) is not None and db.session.get(model, (active_tenant_id(), data[key])) is None:
            raise HearingsError(_("Choose one of the options listed."), field_name=key)
    if m is None:
        m = Meeting()
        db.session.add(m)
    for key in (
        "kind",
        "title",
        "description",
        "starts_at",
        "ends_at",
        "place",
        "online_url",
        "capacity",
        "registration_opens_at",
        "registration_closes_at",
        "agenda",
        "programme_id",
        "consultation_id",
        "speaker_minutes",
    ):
        if key in data:
            setattr(m, key, data[key])
    m.title = m.title.strip()[:300]
    db.session.flush()
    return m


def ics(meetings: list[Meeting], method: str | None = None) -> bytes:
    """An iCalendar file of ``meetings``, built by the ``icalendar`` library: it escapes text
    (a bare CR in a title is a line break, never a new property) and folds lines (RFC 5545)."""
    tenant = the_tenant()
    host = tenant.primary_host if tenant else "localhost"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Sympraxis//hearings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if tenant:
        cal.add("x-wr-calname", tenant.name)
    stamp = utcnow().replace(tzinfo=dt.UTC)
    for m in meetings:
        event = icalendar.Event()
        event.add("uid", f"{m.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", m.starts_at.replace(tzinfo=dt.UTC))
        event.add("dtend", m.ends_at.replace(tzinfo=dt.UTC))
        event.add("summary", m.title or "")
        event.add("description", m.description or "")
        event.add("location", ", ".join(x for x in (m.place, m.online_url) if x))
        event.add("url", external_url(host, f"/hearings/meetings/{m.id}"))
        cal.add_component(event)
    return cal.to_ical()
