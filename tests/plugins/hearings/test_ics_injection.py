"""Issue 10, item 21: iCalendar files are built by a library that escapes and folds (RFC 5545)."""

from __future__ import annotations

import re

import icalendar

from tests.plugins.hearings.conftest import make_meeting

INJECTED = "ATTENDEE;CN=Boss:mailto:evil@example.org"


def test_a_bare_carriage_return_in_a_title_cannot_start_a_property(app, world, tenant_client):
    """Issue 10 item 21: a bare CR in a meeting's title (or description, or place) started a new
    property in ``event.ics`` (here an invented attendee); text must be escaped and folded."""
    mid = make_meeting(
        app,
        world.tenant,
        title=f"Hearing\r{INJECTED}",
        description="Agenda\rURL:https://evil.example\r\nsecond; line, " + "λέξη " * 40,
        place=f"Town hall\r{INJECTED}",
    )
    for url in (f"/hearings/meetings/{mid}/event.ics", "/hearings/calendar.ics"):
        response = tenant_client(world.tenant).get(url)
        assert response.status_code == 200 and response.mimetype == "text/calendar"
        raw = response.data
        # every line break is CRLF, every physical line at most 75 octets
        assert re.search(rb"\r(?!\n)|(?<!\r)\n", raw) is None
        assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
        unfolded = raw.replace(b"\r\n ", b"").decode().split("\r\n")
        assert not [line for line in unfolded if line.startswith(("ATTENDEE", "URL:https://evil"))]
        (event,) = icalendar.Calendar.from_ical(raw).walk("VEVENT")
        assert str(event["SUMMARY"]) == f"Hearing\n{INJECTED}"
        assert str(event["LOCATION"]).startswith(f"Town hall\n{INJECTED}")
        assert str(event["DESCRIPTION"]).startswith("Agenda\nURL:https://evil.example\nsecond; line, λέξη")
        assert "ATTENDEE" not in event and str(event["URL"]).endswith(f"/hearings/meetings/{mid}")
