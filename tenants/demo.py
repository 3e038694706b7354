"""Demo data: three municipalities in three languages, an NGO active in all, an operator."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.accounts.models import Account, Affiliation, AffiliationStatus, Organisation, OrganisationMember
from core.accounts.services.memberships import join_tenant
from core.accounts.services.signup import create_account
from core.db import tenant_context
from core.extensions import db
from core.plugins import enabled_plugins, registry
from core.tenancy import Tenant, platform_subdomain, tenant_info_from_row, utcnow
from tenants.services import NewTenant, create_tenant, provision_defaults

DEMO_PASSWORD = "demo-password-2026"

#: The controller details of each demo municipality (its privacy notice and records are filled
#: from them); demo addresses and mailboxes on example domains.
DEMO_LEGAL = {
    "orestiada": {
        "legal_name": "Δήμος Ορεστιάδας",
        "address": "Βασιλέως Κωνσταντίνου 1, 682 00 Ορεστιάδα",
        "email": "dpo@orestiada.example",
        "phone": "+30 25520 00000",
        "dpo_name": "Υπεύθυνος Προστασίας Δεδομένων του Δήμου",
        "dpo_email": "dpo@orestiada.example",
    },
    "haskovo": {
        "legal_name": "Община Хасково",
        "address": "пл. „Общински“ № 1, 6300 Хасково",
        "email": "lichni.danni@haskovo.example",
        "phone": "+359 38 000 000",
        "dpo_name": "Длъжностно лице по защита на данните",
        "dpo_email": "dlzd@haskovo.example",
    },
    "sector3": {
        "legal_name": "Primăria Sectorului 3 a Municipiului București",
        "address": "Calea Dudești nr. 191, sector 3, 031084 București",
        "email": "protectiadatelor@sector3.example",
        "phone": "+40 21 000 0000",
        "dpo_name": "Responsabilul cu protecția datelor",
        "dpo_email": "dpo@sector3.example",
    },
}


def _seed_legal(tenant: Tenant) -> None:
    """The controller details and accessibility facts of a demo municipality."""
    from core.legal.models import LegalSettings

    details = DEMO_LEGAL.get(tenant.slug)
    if details is None:
        return
    db.session.add(
        LegalSettings(
            **details,
            conformance="partial",
            assessment_method="self",
            assessed_on=dt.date(2026, 11, 30),
            reviewed_on=dt.date(2026, 11, 30),
        )
    )


DEMO_TENANTS = [
    NewTenant(
        "orestiada",
        "Δήμος Ορεστιάδας",
        "GR",
        "el",
        ["el", "en"],
        "Europe/Athens",
        branding={"primary_color": "#0b4f8a"},
    ),
    NewTenant(
        "haskovo",
        "Община Хасково",
        "BG",
        "bg",
        ["bg", "en"],
        "Europe/Sofia",
        branding={"primary_color": "#7a1f2b"},
    ),
    NewTenant(
        "sector3",
        "Primăria Sectorului 3",
        "RO",
        "ro",
        ["ro", "en"],
        "Europe/Bucharest",
        branding={"primary_color": "#1f5f3a"},
    ),
]


def seed_demo() -> bool:
    """Seed once; return False (and change nothing) if the demo data is already there."""
    if db.session.execute(sa.select(Tenant.id).where(Tenant.slug == "orestiada")).first():
        return False
    reg = registry()
    tenants = []
    for spec in DEMO_TENANTS:
        # every installed plugin this instance loads, a vendor's as well as the first-party ones
        spec.plugins = reg.switchable_names()
        tenants.append(create_tenant(spec))
        provision_defaults(tenants[-1], billing_email=f"finance@{spec.slug}.example")

    create_account(
        "operator@sympraxis.example", DEMO_PASSWORD, "Platform Operator", is_operator=True, locale="en"
    )
    ngo_person = create_account("ngo@example.org", DEMO_PASSWORD, "Maria Ivanova", locale="en")
    citizen = create_account("citizen@example.org", DEMO_PASSWORD, "Nikos Georgiou", locale="el")
    org = Organisation(name="Solidarity Network Balkans", kind="ngo", website="https://example.org")
    db.session.add(org)
    db.session.flush()
    db.session.add(OrganisationMember(organisation_id=org.id, account_id=ngo_person.id, role="admin"))

    for tenant in tenants:
        admin = create_account(
            f"admin@{tenant.slug}.example",
            DEMO_PASSWORD,
            f"Admin {tenant.slug.capitalize()}",
            locale=tenant.default_locale,
        )
        join_tenant(admin, tenant.id, "admin")
        join_tenant(ngo_person, tenant.id, "member")
        with tenant_context(tenant.id):
            db.session.add(
                Affiliation(
                    organisation_id=org.id,
                    status=AffiliationStatus.APPROVED.value,
                    requested_by_id=ngo_person.id,
                    decided_by_id=admin.id,
                    decided_at=utcnow(),
                    message="Demo affiliation",
                )
            )
            db.session.flush()
    join_tenant(citizen, tenants[0].id, "member")
    db.session.flush()
    for tenant in tenants:
        with tenant_context(tenant.id):
            _seed_legal(tenant)
            info = tenant_info_from_row(tenant, primary_host=platform_subdomain(tenant.slug))
            # what is enabled there, as stored: not a list of names known in advance
            reg.only("sympraxis_demo_data", set(enabled_plugins(info)))(tenant=info)
            db.session.flush()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Account)).scalar_one() >= 6
    return True
