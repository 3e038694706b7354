"""The councils in the municipality's search (PostgreSQL full-text, Bulgarian here): councils,
published calls, opinions and published minutes, ranked, the matches highlighted and the
Markdown's marks gone from the snippets; drafts and unpublished minutes are not found."""

import datetime as dt
import re

from core.toolkit import db, tenant_context, utcnow_aware
from plugins.councils import services
from plugins.councils.search import plain


def _results(client, q):
    html = client.get("/search", query_string={"q": q, "lang": "bg"}).get_data(as_text=True)
    if 'class="search-results"' not in html:
        return [], ""
    block = html.split('class="search-results"', 1)[1].split("</ol>", 1)[0]
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<a href="[^"]*">(.*?)</a>', block)], block


def test_markdown_marks_leave_the_text():
    assert (
        plain("**Младежки** съвет за [градска среда](https://x.bg) и `код`")
        == "Младежки съвет за градска среда и код"
    )
    assert plain("# Заглавие\n- точка\n1. първа") == "Заглавие\nточка\nпърва"
    assert plain("snake_case stays") == "snake_case stays"


def test_councils_are_found_ranked_and_highlighted(app, town, tenant_client):
    with app.app_context(), tenant_context(town.id):
        youth = services.save_council(
            None,
            name="Младежки съвет",
            remit="**Младежки** съвет за [градска среда](https://x.bg): младежки инициативи, младежки бюджет.",
            seats={"citizen": (5, 0)},
        )
        services.save_council(
            None, name="Обществен съвет", remit="Също и младежки въпроси понякога.", seats={}
        )
        now = utcnow_aware()
        services.save_call(
            None,
            youth,
            title="Чернова покана за младежки представители",
            category="citizen",
            seats=1,
            opens_at=now,
            closes_at=now + dt.timedelta(days=5),
        )
        meeting = services.save_meeting(youth, None, title="Първо заседание", starts_at=now, items=["Бюджет"])
        meeting.minutes = "Обсъдихме **велоалеи** в центъра."
        db.session.commit()
        meeting_id = meeting.id
        db.session.remove()
    client = tenant_client(town)
    titles, block = _results(client, "младежки")
    assert titles[:2] == ["Младежки съвет", "Обществен съвет"]  # more matches rank first
    assert "Чернова покана за младежки представители" not in titles  # a draft call
    assert "<mark>" in block and "**" not in block and "](" not in block
    assert "градска среда" in block
    assert _results(client, "велоалеи")[0] == []  # minutes not published yet
    with app.app_context(), tenant_context(town.id):
        services.publish_minutes(services.get_meeting(meeting_id), "Обсъдихме **велоалеи** в центъра.")
        db.session.commit()
        db.session.remove()
    titles, block = _results(client, "велоалеи")
    assert titles == ["Първо заседание"] and "<mark>велоалеи</mark>" in block and "**" not in block
