"""The operator console, the admin pages and the operator API with bad input: a clear 4xx, never a
500 (issue 10 item 20)."""

from __future__ import annotations

import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.tenancy import Tenant
from tenants.models import TenantBilling
from tests.tenants.test_billing import _onboard

HUGE = "99999999999999999999"


def test_huge_page_numbers_are_400_with_a_message(operator_client):
    """Issue 10 item 20: ``page=99999999999999999999`` answered 500 (OFFSET out of range)."""
    for path in ("/operator/", "/operator/audit"):
        response = operator_client.get(f"{path}?page={HUGE}&lang=en")
        assert response.status_code == 400, path
        assert "must be a whole number from 1 to 1000000" in response.get_data(as_text=True)
        assert operator_client.get(f"{path}?page=2").status_code == 200


def test_huge_ids_in_paths_are_404(operator_client, admin_client, tenant_factory):
    """Issue 10 item 20: ``/operator/tenants/<huge>`` and ``/admin/members/<huge>/role`` answered 500."""
    assert operator_client.get(f"/operator/tenants/{HUGE}").status_code == 404
    assert operator_client.post(f"/operator/tenants/{HUGE}/billing/sync").status_code == 404
    admin = admin_client(tenant_factory())
    assert admin.post(f"/admin/members/{HUGE}/role", data={"role": "staff"}).status_code == 404
    assert admin.post(f"/admin/members/{HUGE}/remove").status_code == 404


def test_audit_dates_out_of_range_are_a_field_error(operator_client):
    """Issue 10 item 20: ``until=9999-12-31`` answered 500 (its next day overflows); dates are
    bounded: the filter again with the message at the field and the typed value kept."""
    response = operator_client.get("/operator/audit?until=9999-12-31&lang=en")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a date between 1900-01-01 and 2999-12-31." in page and 'value="9999-12-31"' in page
    response = operator_client.get("/operator/audit?since=31/12/2026&lang=en")
    assert response.status_code == 400 and "Enter a date as YYYY-MM-DD." in response.get_data(as_text=True)
    assert operator_client.get("/operator/audit?since=2026-01-01&until=2999-12-31").status_code == 200


def test_operator_resume_and_restore_work(app, operator_client):
    """Issue 10 item 20: resume and restore answered 500 every time for a municipality with billing
    (its billing row was written with no tenant active); they change the status and lift the
    billing suspension flag."""
    tenant_id = _onboard(app)
    with app.app_context(), tenant_context(tenant_id):
        db.session.execute(sa.update(TenantBilling).values(suspended_for_billing=True))
        db.session.commit()
    for action, status in (
        ("suspend", "suspended"),
        ("resume", "active"),
        ("archive", "archived"),
        ("restore", "active"),
    ):
        response = operator_client.post(
            f"/operator/tenants/{tenant_id}/status/{action}", data={"reason": "test"}
        )
        assert response.status_code == 302, action
        with app.app_context():
            assert db.session.get(Tenant, tenant_id).status == status, action
            db.session.remove()
    with app.app_context(), tenant_context(tenant_id):
        assert db.session.execute(sa.select(TenantBilling.suspended_for_billing)).scalar_one() is False


def test_operator_api_huge_page_is_422(client_for, operator_token):
    """Issue 10 item 20: ``/api/v1/operator/tenants?page=<huge>`` answered 500."""
    response = client_for("localhost").get(
        f"/api/v1/operator/tenants?page={HUGE}", headers={"Authorization": f"Bearer {operator_token}"}
    )
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
