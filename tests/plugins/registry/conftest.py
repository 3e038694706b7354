"""Fixtures for the registry tests: a Greek municipality with the plugin on, organisations whose
admins act here, and entries made through the plugin's services."""

import datetime as dt

import pytest

from core.toolkit import (
    Affiliation,
    AffiliationStatus,
    Organisation,
    OrganisationMember,
    db,
    tenant_context,
)
from plugins.registry import services

ENTRY = {
    "kind": "social_enterprise",
    "name": "Κοινσεπ Αλληλεγγύη",
    "legal_form": "gr_koinsep",
    "sectors": ["56", "88"],
    "population_groups": ["disability", "unemployed"],
    "address": "Βασ. Κωνσταντίνου 12",
    "area": "Κέντρο",
    "contact_email": "info@koinsep.example",
    "contact_name": "Μαρία Παπαδοπούλου",
}


@pytest.fixture(autouse=True)
def _cheap_password_hashes(app):
    old = app.config.get("ARGON2_PARAMETERS")
    app.config["ARGON2_PARAMETERS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    yield
    app.config["ARGON2_PARAMETERS"] = old


@pytest.fixture
def town(tenant_factory):
    return tenant_factory(plugins=["registry"], locale="el", locales=["el", "en", "bg", "ro"], country="GR")


def make_organisation(app, tenant, admin, *, approved=True, name="Κοινσεπ Αλληλεγγύη"):
    with app.app_context():
        org = Organisation(name=name, kind="social_enterprise")
        db.session.add(org)
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=org.id, account_id=admin.id, role="admin"))
        with tenant_context(tenant.id):
            status = AffiliationStatus.APPROVED if approved else AffiliationStatus.PENDING
            db.session.add(Affiliation(organisation_id=org.id, status=status.value, requested_by_id=admin.id))
            db.session.flush()
        db.session.commit()
        org_id = org.id
        db.session.remove()
    return org_id


class Who:
    """Stands for an account in services (they read ``.id``, ``.email``, ``.locale``)."""

    def __init__(self, account):
        self.id, self.email, self.locale = account.id, account.email, "el"


def make_entry(app, tenant, staff, *, verified=True, figures=None, **fields):
    """A verified entry made by staff (or a pending one through ``services.submit``)."""
    data = {**ENTRY, **fields}
    with app.app_context(), tenant_context(tenant.id):
        entry = services.create_by_staff(data, account=Who(staff), document="ΦΕΚ 123/2024")
        for year, values in (figures or {}).items():
            services.save_figures(entry, year, values, account=None)
        db.session.commit()
        entry_id = entry.id
        db.session.remove()
    return entry_id


def bearer(access_token, account, tenant):
    return {"Authorization": f"Bearer {access_token(account, tenant)}"}


LAST_YEAR = dt.date.today().year - 1
