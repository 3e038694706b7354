"""What every hearings domain shares: the rule error, time in the municipality's zone,
Markdown, the organisations an account acts for, the host mail links point at.

Every service works inside the active tenant (the ORM wall filters and stamps ``tenant_id``).
Rule violations raise :class:`HearingsError` with a message for the person (already translated)
and an HTTP status; nothing is written when one is raised.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any
from zoneinfo import ZoneInfo

import markdown as md
import nh3
import sqlalchemy as sa
from babel import dates as babel_dates
from markupsafe import Markup

from core.toolkit import (
    Affiliation,
    AffiliationStatus,
    Organisation,
    OrganisationMember,
    RuleViolation,
    active_tenant_id,
    current_tenant,
    db,
    get_locale,
    tenant_info,
)


class HearingsError(RuleViolation):
    """A rule said no: ``message`` is for the person, ``status`` for the HTTP answer.

    A :class:`RuleViolation` (the toolkit's one error type for rules), so one that no view
    catches is still answered by the platform: problem+json on the API, the error page in HTML.
    ``field_name`` names the form field the message belongs beside."""

    def __init__(self, message: str, status: int = 422, field_name: str | None = None):
        super().__init__(message, status=status, field=field_name)
        self.message = message
        self.field_name = field_name


def the_tenant():
    """The current tenant: the request's, or (in jobs and CLI commands) the active one."""
    tenant = current_tenant()
    if tenant is None and active_tenant_id() is not None:
        tenant = tenant_info(active_tenant_id())
    return tenant


def tenant_zone() -> ZoneInfo:
    tenant = the_tenant()
    return ZoneInfo(tenant.timezone if tenant else "UTC")


@functools.lru_cache(maxsize=16)
def _medium_patterns(locale: str) -> tuple[Any, Any, Any, str]:
    """Parsed CLDR patterns per language: a page lists thousands of times, parsing them once matters."""
    from babel import Locale

    loc = Locale.parse(locale)
    return (
        loc,
        babel_dates.get_date_format("medium", loc),
        babel_dates.get_time_format("short", loc),
        str(loc.datetime_formats["medium"]),
    )


def local_text(utc: dt.datetime | None, fmt: str = "medium") -> str:
    """A UTC time written in the municipality's zone and the reader's language."""
    if utc is None:
        return ""
    locale = get_locale() or "en"
    if fmt == "medium":  # the day in full, the time to the minute: seconds mean nothing to a reader
        loc, date_pattern, time_pattern, combined = _medium_patterns(str(locale))
        local = utc.replace(tzinfo=dt.UTC).astimezone(tenant_zone())
        return combined.format(time_pattern.apply(local, loc), date_pattern.apply(local, loc))
    return babel_dates.format_datetime(utc.replace(tzinfo=dt.UTC), fmt, tzinfo=tenant_zone(), locale=locale)


def mail_time(utc: dt.datetime | None) -> str:
    """A time for a mail: the day in full and the time to the minute, in the municipality's zone
    and the current language, without seconds or a zone's long name («Πέμπτη 3 Δεκεμβρίου 2026, 16:05»)."""
    from babel import Locale

    if utc is None:
        return ""
    loc = Locale.parse(str(get_locale() or "en"))
    local = utc.replace(tzinfo=dt.UTC).astimezone(tenant_zone())
    day = babel_dates.format_date(local, "full", locale=loc)
    return str(loc.datetime_formats["medium"]).format(
        babel_dates.format_time(local, "short", locale=loc), day
    )


def mail_locale(preferred: str | None) -> str:
    """The language of a mail to someone: theirs if the municipality offers it, else its own."""
    tenant = the_tenant()
    if tenant is None:
        return preferred or "en"
    return preferred if preferred and preferred in tenant.locales else (tenant.default_locale or "en")


def to_utc(local: dt.datetime | None, zone: ZoneInfo | None = None) -> dt.datetime | None:
    """A wall-clock time in the municipality's zone (naive or aware) as naive UTC."""
    if local is None:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone or tenant_zone())
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def to_local(utc: dt.datetime | None, zone: ZoneInfo | None = None) -> dt.datetime | None:
    """Naive UTC as an aware time in the municipality's zone."""
    if utc is None:
        return None
    return utc.replace(tzinfo=dt.UTC).astimezone(zone or tenant_zone())


def iso_local(utc: dt.datetime | None) -> str | None:
    local = to_local(utc)
    return local.isoformat() if local else None


def render_markdown(text: str) -> Markup:
    """Markdown rendered, then sanitised by nh3 (no scripts, no event handlers, safe links)."""
    html = md.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return Markup(nh3.clean(html, link_rel="noopener noreferrer nofollow"))  # noqa: S704 (sanitised by nh3)


def acting_organisations(account: Any) -> list[Organisation]:
    """The organisations ``account`` belongs to that are affiliated (approved) with this tenant."""
    if account is None:
        return []
    return list(
        db.session.execute(
            sa.select(Organisation)
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .join(Affiliation, Affiliation.organisation_id == Organisation.id)
            .where(
                OrganisationMember.account_id == account.id,
                Affiliation.status == AffiliationStatus.APPROVED.value,
            )
            .order_by(Organisation.name)
        ).scalars()
    )


def represented_organisation(account: Any, organisation_id: Any, field_name: str = "organisation_id"):
    """The organisation ``account`` acts for, chosen by id among :func:`acting_organisations`;
    None for "myself" (no id). Any other id, malformed included, is refused (403), never read as
    "myself"."""
    if organisation_id in (None, ""):
        return None
    chosen = next(
        (o for o in acting_organisations(account) if str(o.id) == str(organisation_id).strip()), None
    )
    if chosen is None:
        from core.toolkit import gettext as _

        raise HearingsError(
            _(
                "You can act on behalf of an organisation only if you belong to it and it is affiliated with this municipality."
            ),
            403,
            field_name=field_name,
        )
    return chosen


def organisation_choices(account: Any) -> list[tuple[str, str]]:
    """The "on behalf of" select: myself, then each organisation the account may represent here."""
    from core.toolkit import gettext as _

    return [("", _("Myself"))] + [(str(o.id), o.name) for o in acting_organisations(account)]


def channel_label(channel: str) -> str:
    """How a recommendation reached the municipality, in the reader's language."""
    from core.toolkit import gettext as _

    return {
        "online": _("Online"),
        "paper": _("By post or on paper"),
        "email": _("By e-mail"),
        "registry": _("At the registry"),
    }.get(channel, channel)


def _host() -> str:
    tenant = the_tenant()
    return tenant.primary_host if tenant else "localhost"
