"""Consultation law as configuration (issue 12 §1): each country's rule set at its edges, the
exceptions that need a published reason, the history of date changes, required documents and the
admin's override of the rule set."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.tenancy import utcnow
from plugins.hearings.law.calendar import WorkingCalendar
from plugins.hearings.models import Article, Attachment, Consultation, DateChange, LawException, StatusChange
from tests.plugins.hearings.conftest import set_hearings_settings

PDF = b"%PDF-1.4\n%demo\n"
DRAFT = "## Article 1. Purpose\n\nText.\n"


@pytest.fixture
def country(app, tenant_factory, account_factory):
    """A municipality of a given country (pages in English, so messages read as written) and its staff."""

    def make(code: str, timezone: str = "Europe/Bucharest"):
        tenant = tenant_factory(plugins=["hearings"], country=code, timezone=timezone)
        staff = account_factory(name="Stella Staff", memberships={tenant: "staff"})
        return tenant, staff

    return make


def _form(**values):
    base = {"title": "Draft regulation", "summary": "", "tags": "", "draft": DRAFT, "save": "Save"}
    return {**base, **values}


def _consultations(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(sa.select(Consultation)).scalars().all()
        for r in rows:
            db.session.expunge(r)
        db.session.remove()
    return rows


def _rows(app, tenant, model):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(sa.select(model)).scalars().all()
        for r in rows:
            db.session.expunge(r)
        db.session.remove()
    return rows


# --- Romania: working days across public holidays ---------------------------------------------


def test_romanian_working_days_skip_weekends_and_the_january_holidays():
    cal = WorkingCalendar("RO")
    # January 2025: 23 weekdays, of which 1, 2, 6, 7 (Epiphany, St John) and 24 (Union Day) are holidays
    assert not cal.is_working_day(dt.date(2025, 1, 1))
    assert not cal.is_working_day(dt.date(2025, 1, 24))
    assert cal.is_working_day(dt.date(2025, 1, 3))
    assert cal.working_days_between(dt.date(2024, 12, 31), dt.date(2025, 2, 1)) == 18
    # 18 in January, then the 12th working day of February is Tuesday 18: adoption from the 19th
    assert cal.earliest_after(dt.date(2024, 12, 31), 30) == dt.date(2025, 2, 19)
    assert cal.working_days_between(dt.date(2024, 12, 31), dt.date(2025, 2, 19)) == 30
    assert cal.working_days_between(dt.date(2024, 12, 31), dt.date(2025, 2, 18)) == 29
    # an extra day off the municipality adds moves the edge by one working day
    extra = WorkingCalendar("RO", [dt.date(2025, 2, 17)])
    assert extra.earliest_after(dt.date(2024, 12, 31), 30) == dt.date(2025, 2, 20)


@pytest.mark.parametrize(
    ("adoption", "accepted"),
    [("2025-02-18", False), ("2025-02-19", True)],
)
def test_romania_thirty_working_days_before_adoption_at_the_edge(
    app, country, tenant_client, sign_in, adoption, accepted
):
    tenant, staff = country("RO")
    client = sign_in(tenant_client(tenant), staff)
    form = _form(opens_at="2024-12-31T09:00", closes_at="2025-01-20T09:00", intended_adoption_on=adoption)
    response = client.post("/hearings/consultations/new", data=form)
    if accepted:
        assert response.status_code == 302
        (c,) = _consultations(app, tenant)
        assert c.intended_adoption_on == dt.date(2025, 2, 19)
    else:
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "there are 29" in page and "The earliest adoption date is February 19, 2025" in page
        assert 'value="Draft regulation"' in page and "2025-02-18" in page  # what was typed comes back
        assert _consultations(app, tenant) == []


def test_romania_extra_day_off_in_the_settings_counts(app, country, tenant_client, sign_in):
    tenant, staff = country("RO")
    set_hearings_settings(app, tenant, extra_holidays="2025-02-17")
    client = sign_in(tenant_client(tenant), staff)
    form = _form(opens_at="2024-12-31T09:00", closes_at="2025-01-20T09:00", intended_adoption_on="2025-02-19")
    assert client.post("/hearings/consultations/new", data=form).status_code == 422
    assert (
        client.post(
            "/hearings/consultations/new", data={**form, "intended_adoption_on": "2025-02-20"}
        ).status_code
        == 302
    )


def test_romania_urgent_procedure_needs_a_published_reason(app, country, tenant_client, sign_in):
    tenant, staff = country("RO")
    client = sign_in(tenant_client(tenant), staff)
    form = _form(opens_at="2024-12-31T09:00", closes_at="2025-01-20T09:00", intended_adoption_on="2025-01-27")
    refused = client.post("/hearings/consultations/new", data=form)
    assert refused.status_code == 422 and "give it below" in refused.get_data(as_text=True)
    reason = "Urgent procedure: the heating subsidy must be in force before February."
    assert client.post("/hearings/consultations/new", data={**form, "reason": reason}).status_code == 302
    (c,) = _consultations(app, tenant)
    (exception,) = _rows(app, tenant, LawException)
    assert (exception.kind, exception.rule_set, exception.reason) == ("adoption_notice", "RO", reason)
    with app.app_context(), tenant_context(tenant.id):
        db.session.get(Consultation, (tenant.id, c.id)).status = "open"
        db.session.commit()
    assert reason in tenant_client(tenant).get(f"/hearings/consultations/{c.id}").get_data(as_text=True)


@pytest.mark.parametrize(("closes", "accepted"), [("2027-03-11T08:59", False), ("2027-03-11T09:00", True)])
def test_romania_ten_calendar_days_for_recommendations_no_exception(
    app, country, tenant_client, sign_in, closes, accepted
):
    tenant, staff = country("RO")
    client = sign_in(tenant_client(tenant), staff)
    form = _form(opens_at="2027-03-01T09:00", closes_at=closes, reason="We are in a hurry.")
    response = client.post("/hearings/consultations/new", data=form)
    assert response.status_code == (302 if accepted else 422)
    if not accepted:
        assert "at least 10 calendar days" in response.get_data(as_text=True)


# --- Bulgaria: 30 days, 14 with stated reasons -------------------------------------------------


@pytest.mark.parametrize(
    ("days", "reason", "status"),
    [
        (30, "", 302),  # the rule
        (29.99, "", 422),  # a minute short of 30 days, no reason: refused
        (29.99, "The subsidy starts on 1 January.", 302),  # with reasons: allowed
        (14, "The subsidy starts on 1 January.", 302),  # the floor
        (13.99, "The subsidy starts on 1 January.", 422),  # below 14: refused even with reasons
    ],
)
def test_bulgaria_thirty_days_or_fourteen_with_reasons(
    app, country, tenant_client, sign_in, days, reason, status
):
    tenant, staff = country("BG", "Europe/Sofia")
    client = sign_in(tenant_client(tenant), staff)
    opens = dt.datetime(2027, 3, 1, 9, 0)
    closes = opens + dt.timedelta(days=days)
    form = _form(
        opens_at=opens.strftime("%Y-%m-%dT%H:%M"), closes_at=closes.strftime("%Y-%m-%dT%H:%M"), reason=reason
    )
    response = client.post("/hearings/consultations/new", data=form)
    assert response.status_code == status, response.get_data(as_text=True)[-2000:]
    exceptions = _rows(app, tenant, LawException)
    if status == 302 and days < 30:
        (e,) = exceptions
        assert (e.kind, e.rule_set, e.reason) == ("short_period", "BG", reason)
    else:
        assert exceptions == []
    if status == 422:
        assert "art. 26(4)" in response.get_data(as_text=True)


def test_greece_the_municipality_minimum(app, country, tenant_client, sign_in):
    tenant, staff = country("GR", "Europe/Athens")
    client = sign_in(tenant_client(tenant), staff)
    form = _form(opens_at="2027-03-01T09:00", closes_at="2027-03-11T09:00")
    assert client.post("/hearings/consultations/new", data=form).status_code == 422  # 10 < 14 (default)
    set_hearings_settings(app, tenant, consultation_minimum_days=10)
    assert client.post("/hearings/consultations/new", data=form).status_code == 302


def _open_consultation(app, tenant, *, opened_days_ago: float, period_days: float, adoption=None) -> str:
    with app.app_context(), tenant_context(tenant.id):
        now = utcnow()
        c = Consultation(
            title="Running",
            status="open",
            opens_at=now - dt.timedelta(days=opened_days_ago),
            closes_at=now - dt.timedelta(days=opened_days_ago) + dt.timedelta(days=period_days),
            intended_adoption_on=adoption,
        )
        db.session.add(c)
        db.session.flush()
        db.session.add(Article(consultation_id=c.id, position=1, number="1", title="Purpose", body="Text."))
        db.session.commit()
        cid = c.id
        db.session.remove()
    return cid


def test_bulgaria_closing_early_needs_reasons_and_fourteen_days(app, country, tenant_client, sign_in):
    tenant, staff = country("BG", "Europe/Sofia")
    client = sign_in(tenant_client(tenant), staff)
    young = _open_consultation(app, tenant, opened_days_ago=10, period_days=30)
    refused = client.post(
        f"/hearings/consultations/{young}/status",
        data={"action": "close", "reason": "Enough.", "confirmed": "yes"},
    )
    assert refused.status_code == 422 and "art. 26(4)" in refused.get_data(as_text=True)
    older = _open_consultation(app, tenant, opened_days_ago=20, period_days=30)
    asked = client.post(f"/hearings/consultations/{older}/status", data={"action": "close"})
    assert asked.status_code == 200 and "This cannot be undone." in asked.get_data(as_text=True)
    no_reason = client.post(
        f"/hearings/consultations/{older}/status", data={"action": "close", "confirmed": "yes"}
    )
    assert no_reason.status_code == 422 and "Give the reason for doing this now." in no_reason.get_data(
        as_text=True
    )
    done = client.post(
        f"/hearings/consultations/{older}/status",
        data={"action": "close", "reason": "The council meets early.", "confirmed": "yes"},
    )
    assert done.status_code == 302
    with app.app_context(), tenant_context(tenant.id):
        c = db.session.get(Consultation, (tenant.id, older))
        assert c.status == "closed"
        change = db.session.execute(
            sa.select(DateChange).where(DateChange.consultation_id == older)
        ).scalar_one()
        assert (change.field, change.reason) == ("closes_at", "The council meets early.")
        assert db.session.get(Consultation, (tenant.id, young)).status == "open"


def test_shortening_an_open_consultation_is_checked_and_every_date_change_recorded(
    app, country, tenant_client, sign_in, access_token
):
    tenant, staff = country("BG", "Europe/Sofia")
    client = sign_in(tenant_client(tenant), staff)
    cid = _open_consultation(app, tenant, opened_days_ago=2, period_days=30)
    with app.app_context(), tenant_context(tenant.id):
        c = db.session.get(Consultation, (tenant.id, cid))
        from plugins.hearings.common import to_local

        opens_local = to_local(c.opens_at).replace(tzinfo=None)
        db.session.remove()
    longer = (opens_local + dt.timedelta(days=35)).strftime("%Y-%m-%dT%H:%M")
    shorter = (opens_local + dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    edit = f"/hearings/consultations/{cid}/edit"
    base = _form(title="Running", opens_at=opens_local.strftime("%Y-%m-%dT%H:%M"))
    assert (
        client.post(edit, data={**base, "closes_at": longer, "reason": "More time for NGOs."}).status_code
        == 302
    )
    refused = client.post(edit, data={**base, "closes_at": shorter})
    assert refused.status_code == 422 and shorter in refused.get_data(as_text=True)
    assert (
        client.post(
            edit, data={**base, "closes_at": shorter, "reason": "Adoption moved forward."}
        ).status_code
        == 302
    )
    changes = sorted(_rows(app, tenant, DateChange), key=lambda d: d.at)
    assert [(d.field, d.reason) for d in changes] == [
        ("closes_at", "More time for NGOs."),
        ("closes_at", "Adoption moved forward."),
    ]
    assert changes[0].new_value == changes[1].old_value
    # the history is public, reasons included, and in the API
    page = tenant_client(tenant).get(f"/hearings/consultations/{cid}").get_data(as_text=True)
    assert "More time for NGOs." in page and "Adoption moved forward." in page
    api = tenant_client(tenant).get(f"/api/v1/hearings/consultations/{cid}").get_json()
    assert [h["reason"] for h in api["history"] if h["kind"] == "date"] == [
        "More time for NGOs.",
        "Adoption moved forward.",
    ]
    assert [e["kind"] for e in api["exceptions"]] == ["short_period"]


def test_api_refuses_with_problem_json_and_field_errors(app, country, tenant_client, access_token):
    tenant, staff = country("BG", "Europe/Sofia")
    auth = {"Authorization": f"Bearer {access_token(staff, tenant)}"}
    body = {
        "title": "Via the API",
        "opens_at": "2027-03-01T09:00:00",
        "closes_at": "2027-03-20T09:00:00",
        "draft": DRAFT,
    }
    refused = tenant_client(tenant).post("/api/v1/hearings/consultations", json=body, headers=auth)
    assert (
        refused.status_code == 409 and refused.mimetype == "application/problem+json"
    )  # a rule, not the schema
    problem = refused.get_json()
    assert "art. 26(4)" in problem["detail"] and "reason" in problem["errors"]
    assert _consultations(app, tenant) == []
    made = tenant_client(tenant).post(
        "/api/v1/hearings/consultations", json={**body, "reason": "Exceptional."}, headers=auth
    )
    assert made.status_code == 201
    data = made.get_json()
    assert data["rule_set"] == "BG" and data["exceptions"][0]["reason"] == "Exceptional."
    # opening needs the documents: refused with the list, as problem+json
    opened = tenant_client(tenant).post(
        f"/api/v1/hearings/consultations/{data['id']}/status", json={"action": "open"}, headers=auth
    )
    assert opened.status_code == 409 and "impact assessment" in opened.get_json()["detail"]


# --- required documents ------------------------------------------------------------------------


def _attach(app, tenant, cid, document_type):
    with app.app_context(), tenant_context(tenant.id):
        db.session.add(
            Attachment(
                consultation_id=cid,
                filename="doc.pdf",
                size=len(PDF),
                content=PDF,
                document_type=document_type,
            )
        )
        db.session.commit()
        db.session.remove()


def test_romania_cannot_open_without_the_approval_report_unless_a_reason_is_recorded(
    app, country, tenant_client, sign_in
):
    tenant, staff = country("RO")
    client = sign_in(tenant_client(tenant), staff)
    now_local = dt.datetime.now() + dt.timedelta(days=1)
    opens = now_local.strftime("%Y-%m-%dT%H:%M")
    closes = (now_local + dt.timedelta(days=12)).strftime("%Y-%m-%dT%H:%M")
    adoption = (now_local + dt.timedelta(days=60)).date().isoformat()
    assert (
        client.post(
            "/hearings/consultations/new",
            data=_form(opens_at=opens, closes_at=closes, intended_adoption_on=adoption),
        ).status_code
        == 302
    )
    (c,) = _consultations(app, tenant)
    refused = client.post(f"/hearings/consultations/{c.id}/status", data={"action": "schedule"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Approval report (referat de aprobare)" in page
    assert _consultations(app, tenant)[0].status == "draft"
    # an attachment of another type does not count
    _attach(app, tenant, c.id, "other")
    assert (
        client.post(f"/hearings/consultations/{c.id}/status", data={"action": "schedule"}).status_code == 422
    )
    _attach(app, tenant, c.id, "ro_approval_report")
    assert (
        client.post(f"/hearings/consultations/{c.id}/status", data={"action": "schedule"}).status_code == 302
    )
    assert _consultations(app, tenant)[0].status == "scheduled"
    assert _rows(app, tenant, LawException) == []


def test_bulgaria_needs_both_documents_or_a_published_reason(app, country, tenant_client, sign_in):
    tenant, staff = country("BG", "Europe/Sofia")
    client = sign_in(tenant_client(tenant), staff)
    cid = _open_consultation(app, tenant, opened_days_ago=-1, period_days=31)
    with app.app_context(), tenant_context(tenant.id):
        db.session.get(Consultation, (tenant.id, cid)).status = "draft"
        db.session.commit()
    _attach(app, tenant, cid, "bg_motives")
    asked = client.post(f"/hearings/consultations/{cid}/status", data={"action": "open"})
    assert asked.status_code == 200  # the confirmation names the rule before anything happens
    page = asked.get_data(as_text=True)
    message = page.split("The law allows this only with a reason:")[1].split("</li>")[0]
    assert "Preliminary impact assessment" in message and "мотиви" not in message, message
    assert _rows(app, tenant, LawException) == []
    reason = "The assessment is being finalised by the regional office and will follow within a week."
    assert (
        client.post(
            f"/hearings/consultations/{cid}/status",
            data={"action": "open", "reason": reason, "confirmed": "yes"},
        ).status_code
        == 302
    )
    (e,) = _rows(app, tenant, LawException)
    assert (e.kind, e.detail) == ("missing_documents", "bg_impact_assessment")
    public = tenant_client(tenant).get(f"/hearings/consultations/{cid}").get_data(as_text=True)
    assert reason in public and "Opened without a required document" in public
    assert [s.to_status for s in _rows(app, tenant, StatusChange)] == ["open"]
    # opening now moved the opening date: recorded
    assert [d.field for d in _rows(app, tenant, DateChange)] == ["opens_at"]


def test_document_type_chosen_at_upload(app, country, tenant_client, sign_in):
    tenant, staff = country("RO")
    client = sign_in(tenant_client(tenant), staff)
    cid = _open_consultation(app, tenant, opened_days_ago=1, period_days=20)
    response = client.post(
        f"/hearings/consultations/{cid}/attachments",
        data={"attachment": (io.BytesIO(PDF), "referat.pdf"), "document_type": "ro_approval_report"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    (att,) = _rows(app, tenant, Attachment)
    assert att.document_type == "ro_approval_report"
    bad = client.post(
        f"/hearings/consultations/{cid}/attachments",
        data={"attachment": (io.BytesIO(PDF), "x.pdf"), "document_type": "nonsense"},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 302 and len(_rows(app, tenant, Attachment)) == 1
    page = tenant_client(tenant).get(f"/hearings/consultations/{cid}").get_data(as_text=True)
    assert "Approval report (referat de aprobare)" in page


# --- the admin's override ----------------------------------------------------------------------


def test_override_of_the_rule_set_needs_a_reason_and_is_audited(
    app, tenant_factory, account_factory, tenant_client, sign_in
):
    from tenants.models import AuditEvent

    tenant = tenant_factory(plugins=["hearings"], country="GR")
    admin = account_factory(name="Ada Admin", memberships={tenant: "admin"})
    client = sign_in(tenant_client(tenant), admin)
    url = "/admin/modules/hearings/settings"
    refused = client.post(
        url,
        data={
            "law_rule_set": "BG",
            "law_rule_set_reason": "",
            "comment_max_length": 5000,
            "comments_per_hour": 20,
            "consultation_minimum_days": 14,
        },
    )
    assert refused.status_code == 422 and "Give the reason" in refused.get_data(as_text=True)
    reason = "The municipal council decided to follow the Bulgarian practice of 30 days."
    saved = client.post(
        url,
        data={
            "law_rule_set": "BG",
            "law_rule_set_reason": reason,
            "comment_max_length": 5000,
            "comments_per_hour": 20,
            "consultation_minimum_days": 14,
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        event = db.session.execute(
            sa.select(AuditEvent).where(
                AuditEvent.action == "module.settings", AuditEvent.subject_tenant_id == tenant.id
            )
        ).scalar_one()
        assert event.details["settings"]["law_rule_set"] == "BG"
        assert event.details["settings"]["law_rule_set_reason"] == reason
    page = tenant_client(tenant).get("/hearings/law").get_data(as_text=True)
    assert "Bulgaria: Law on Normative Acts" in page and reason in page
    bad_days = client.post(
        url,
        data={
            "law_rule_set": "country",
            "extra_holidays": "2027-02-30",
            "comment_max_length": 5000,
            "comments_per_hour": 20,
            "consultation_minimum_days": 14,
        },
    )
    assert bad_days.status_code == 422 and "2027-12-31" in bad_days.get_data(as_text=True)


def test_the_law_page_lists_the_romanian_holidays(app, country, tenant_client):
    tenant, _staff = country("RO")
    page = tenant_client(tenant).get("/hearings/law").get_data(as_text=True)
    assert (
        "30 working days" in page and "January 24" in page and "Approval report (referat de aprobare)" in page
    )
    assert tenant_client(tenant).get("/api/v1/hearings/law").get_json()["notice_working_days"] == 30
