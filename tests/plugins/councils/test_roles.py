"""The role matrix on every page and API write: anonymous visitors read, members nominate and vote
only for themselves or their organisation, a council's own secretary runs that council's meetings
(and no other's), a member granted ``councils.secretary`` runs every council's, staff run all."""

import datetime as dt

import pytest

from core.toolkit import db, tenant_context, utcnow_aware
from plugins.councils import services
from tests.plugins.councils.conftest import API, bearer, make_call, make_council


@pytest.fixture
def world(app, town, account_factory):
    secretary = account_factory(memberships={town: "member"}, locale="en")
    member = account_factory(memberships={town: "member"}, locale="en")
    staff = account_factory(memberships={town: "staff"}, locale="en")
    admin = account_factory(memberships={town: "admin"}, locale="en")
    own = make_council(app, town, members=[("Sec", "ngo", "secretary", secretary.id)])
    other = make_council(app, town, name="Other council")
    call = make_call(app, town, own["council"])
    with app.app_context(), tenant_context(town.id):
        meeting = services.save_meeting(
            services.get_council(own["council"]), None, title="S", starts_at=utcnow_aware(), items=["A"]
        )
        opinion = services.issue_opinion(
            services.get_council(own["council"]), title="O", text="t", issued_on=dt.date(2030, 1, 1)
        )
        db.session.commit()
        ids = {
            "meeting": meeting.id,
            "opinion": opinion.id,
            "call": call,
            **{k: v["council"] for k, v in (("own", own), ("other", other))},
        }
        db.session.remove()
    return {"secretary": secretary, "member": member, "staff": staff, "admin": admin, **ids}


def _status(client, path):
    return client.get(path).status_code


def test_every_page_by_role(town, world, tenant_client, sign_in):
    w = world
    public = [
        "/councils/",
        f"/councils/{w['own']}",
        f"/councils/calls/{w['call']}",
        f"/councils/meetings/{w['meeting']}",
        "/councils/opinions",
        f"/councils/opinions/{w['opinion']}",
        f"/councils/{w['own']}/report/2030",
        "/councils/calendar.ics",
    ]
    staff_only = [
        "/councils/new",
        f"/councils/{w['own']}/edit",
        f"/councils/{w['own']}/members/new",
        f"/councils/{w['own']}/calls/new",
    ]
    own_secretary = [f"/councils/{w['own']}/meetings/new", f"/councils/{w['own']}/opinions/new"]
    other_secretary = [f"/councils/{w['other']}/meetings/new", f"/councils/{w['other']}/opinions/new"]
    anonymous = tenant_client(town)
    assert [_status(anonymous, p) for p in public] == [200] * len(public)
    assert {_status(anonymous, p) for p in staff_only + own_secretary} <= {302, 401}
    assert _status(anonymous, f"/councils/calls/{w['call']}/nominate") in (302, 401)
    member = sign_in(tenant_client(town), w["member"])
    assert {_status(member, p) for p in staff_only + own_secretary} == {403}
    secretary = sign_in(tenant_client(town), w["secretary"])
    assert {_status(secretary, p) for p in staff_only} == {403}
    assert {_status(secretary, p) for p in own_secretary} == {200}
    assert {_status(secretary, p) for p in other_secretary} == {403}
    staff = sign_in(tenant_client(town), w["staff"])
    assert {_status(staff, p) for p in public + staff_only + own_secretary + other_secretary} == {200}
    # a grant of councils.secretary: every council's meetings, still none of the staff's console
    admin = sign_in(tenant_client(town), w["admin"])
    granted = admin.post(
        "/admin/permissions", data={"account_id": str(w["member"].id), "permission": "councils.secretary"}
    )
    assert granted.status_code == 302
    assert {_status(member, p) for p in own_secretary + other_secretary} == {200}
    assert {_status(member, p) for p in staff_only} == {403}


def test_every_api_write_by_role(town, world, access_token, tenant_client):
    w = world
    client = tenant_client(town)
    writes = [
        ("post", f"{API}/councils", {"name": "X"}, "staff"),
        (
            "post",
            f"{API}/councils/{w['own']}/members",
            {"name": "X", "category": "ngo", "term_start": "2030-01-01"},
            "staff",
        ),
        (
            "post",
            f"{API}/councils/{w['own']}/calls",
            {
                "title": "X",
                "category": "ngo",
                "seats": 1,
                "opens_at": "2030-01-01T00:00:00+00:00",
                "closes_at": "2030-02-01T00:00:00+00:00",
            },
            "staff",
        ),
        ("post", f"{API}/calls/{w['call']}/decision", {"reasoning": "x"}, "staff"),
        ("post", f"{API}/calls/{w['call']}/seating", None, "staff"),
        ("put", f"{API}/opinions/{w['opinion']}/answer", {"answer": "accepted", "reasoning": "x"}, "staff"),
        (
            "post",
            f"{API}/councils/{w['own']}/meetings",
            {"title": "X", "starts_at": "2030-01-01T10:00:00+00:00"},
            "secretary",
        ),
        ("put", f"{API}/meetings/{w['meeting']}/attendance", {"present": []}, "secretary"),
        ("post", f"{API}/councils/{w['own']}/opinions", {"title": "X", "text": "t"}, "secretary"),
    ]
    for method, path, body, needs in writes:
        kwargs = {"json": body} if body is not None else {}
        assert getattr(client, method)(path, **kwargs).status_code == 401, path
        assert (
            getattr(client, method)(
                path, headers=bearer(access_token, w["member"], town), **kwargs
            ).status_code
            == 403
        ), path
        as_secretary = getattr(client, method)(
            path, headers=bearer(access_token, w["secretary"], town), **kwargs
        ).status_code
        assert (as_secretary < 400) if needs == "secretary" else as_secretary == 403, (path, as_secretary)
        as_staff = getattr(client, method)(
            path, headers=bearer(access_token, w["staff"], town), **kwargs
        ).status_code
        assert as_staff not in (401, 403), (path, as_staff)
