"""Demonstration content for ``make demo``: Orestiada's social actors from its local social
action plan (in Greek), entries in Haskovo (Bulgarian) and Bucharest Sector 3 (Romanian), each
with two years of figures; the demo NGO's entry with a change waiting for verification; the
municipalities' statistical codes, their consent, an open reporting year, and one aggregate run
so that the observatory on the apex has something to show. Seeds once per municipality."""

import datetime as dt

import sqlalchemy as sa

from core.toolkit import (
    Account,
    Affiliation,
    AffiliationStatus,
    Membership,
    OrganisationMember,
    db,
    enqueue,
    utcnow_aware,
)
from plugins.registry import services
from plugins.registry.models import Entry

#: (kind, name, extra fields, (paid, volunteers, vulnerable, women, men, served, budget))
ENTRIES = {
    "el": [
        (
            "social_service",
            "Εταιρεία Ψυχοκοινωνικής Υγείας Έβρου — Κέντρο Ημέρας",
            {
                "service_type": "day_centre",
                "provider": "ngo",
                "sectors": ["88"],
                "population_groups": ["mental_health"],
                "address": "Αθανασίου Πανταζίδου 15, Ορεστιάδα",
                "latitude": 41.5029,
                "longitude": 26.5312,
            },
            (9, 6, 2, 10, 5, 140, 310000),
        ),
        (
            "social_service",
            "Κέντρο Κοινότητας με Παράρτημα Ρομά",
            {
                "service_type": "community_centre",
                "provider": "municipality",
                "sectors": ["88"],
                "population_groups": ["roma", "low_income", "children"],
                "address": "Κέντρο Κοινότητας, Ορεστιάδα",
            },
            (6, 2, 1, 5, 3, 820, 180000),
        ),
        (
            "social_action",
            "Σχολείο Δεύτερης Ευκαιρίας Ορεστιάδας",
            {
                "sectors": ["85"],
                "population_groups": ["unemployed", "roma", "migrants"],
                "starts_on": "2024-09-15",
                "ends_on": "2027-06-30",
            },
            (11, 0, 0, 7, 4, 95, 260000),
        ),
        (
            "social_service",
            "Δημοτικοί Παιδικοί Σταθμοί Ορεστιάδας",
            {
                "service_type": "day_centre",
                "provider": "municipality",
                "sectors": ["88"],
                "population_groups": ["children", "low_income"],
            },
            (24, 0, 0, 22, 2, 260, 720000),
        ),
        (
            "social_service",
            "Κέντρο Υγείας Ορεστιάδας — κοινωνικό ιατρείο",
            {
                "service_type": "social_pharmacy",
                "provider": "municipality",
                "sectors": ["86"],
                "population_groups": ["low_income", "older", "migrants"],
            },
            (8, 3, 0, 6, 5, 1300, 150000),
        ),
        (
            "social_service",
            "Κοινωνικό Παντοπωλείο Δήμου Ορεστιάδας",
            {
                "service_type": "social_grocery",
                "provider": "municipality",
                "sectors": ["47"],
                "population_groups": ["low_income", "homeless"],
            },
            (3, 18, 1, 14, 7, 410, 95000),
        ),
        (
            "social_service",
            "Βοήθεια στο Σπίτι",
            {
                "service_type": "home_care",
                "provider": "municipality",
                "sectors": ["88"],
                "population_groups": ["older", "disability"],
            },
            (7, 0, 0, 6, 1, 180, 210000),
        ),
    ],
    "bg": [
        (
            "social_enterprise",
            "Социално предприятие „Шанс“",
            {
                "legal_form": "bg_class_a",
                "sectors": ["56"],
                "population_groups": ["disability", "unemployed"],
                "address": "ул. „Раковски“ 5, Хасково",
            },
            (12, 2, 8, 7, 7, 60, 240000),
        ),
        (
            "social_service",
            "Дневен център за възрастни хора с увреждания",
            {
                "service_type": "day_centre",
                "provider": "municipality",
                "sectors": ["88"],
                "population_groups": ["disability", "older"],
            },
            (10, 1, 0, 9, 2, 45, 190000),
        ),
        (
            "social_service",
            "Обществена трапезария — Хасково",
            {
                "service_type": "meals",
                "provider": "municipality",
                "sectors": ["56"],
                "population_groups": ["low_income", "older"],
            },
            (4, 6, 0, 7, 3, 300, 110000),
        ),
        (
            "social_service",
            "Център за обществена подкрепа",
            {
                "service_type": "community_centre",
                "provider": "ngo",
                "sectors": ["88"],
                "population_groups": ["children", "roma"],
            },
            (9, 3, 0, 10, 2, 220, 170000),
        ),
        (
            "social_action",
            "Приобщаване на ромски деца в детските градини",
            {
                "sectors": ["85"],
                "population_groups": ["roma", "children"],
                "starts_on": "2025-01-01",
                "ends_on": "2026-12-31",
            },
            (5, 4, 2, 7, 2, 130, 85000),
        ),
    ],
    "ro": [
        (
            "social_enterprise",
            "Atelierul de pâine — întreprindere socială de inserție",
            {
                "legal_form": "ro_wise",
                "sectors": ["10"],
                "population_groups": ["unemployed", "ex_prisoners"],
                "address": "Str. Liviu Rebreanu 3, Sector 3",
            },
            (14, 1, 9, 6, 9, 30, 410000),
        ),
        (
            "social_service",
            "Centrul de zi pentru vârstnici Titan",
            {
                "service_type": "day_centre",
                "provider": "municipality",
                "sectors": ["88"],
                "population_groups": ["older"],
            },
            (8, 5, 0, 10, 3, 160, 230000),
        ),
        (
            "social_service",
            "Cantina socială Sector 3",
            {
                "service_type": "meals",
                "provider": "municipality",
                "sectors": ["56"],
                "population_groups": ["low_income", "homeless"],
            },
            (6, 10, 0, 11, 5, 520, 300000),
        ),
        (
            "social_service",
            "Adăpostul de noapte pentru persoane fără adăpost",
            {
                "service_type": "shelter",
                "provider": "church",
                "sectors": ["87"],
                "population_groups": ["homeless", "addictions"],
            },
            (7, 8, 1, 6, 9, 240, 260000),
        ),
        (
            "social_action",
            "Meditații gratuite pentru copiii din familii vulnerabile",
            {
                "service_type": "tutoring",
                "sectors": ["85"],
                "population_groups": ["children", "low_income"],
                "starts_on": "2025-10-01",
            },
            (3, 22, 0, 18, 7, 180, 40000),
        ),
    ],
}

NGO_ENTRY = {
    "el": ("Κοινσεπ «Αλληλεγγύη» — κοινωνική κουζίνα", "gr_koinsep"),
    "bg": ("Мрежа „Солидарност“ — социална кухня", "bg_sse"),
    "ro": ("Rețeaua Solidaritate — bucătărie socială", "ro_social"),
}

AREAS = {"GR": ("EL511", "EL51", "EL"), "BG": ("BG422", "BG42", "BG"), "RO": ("RO321", "RO32", "RO")}


class _Seeder:
    """Stands for the account that records the demo (services read ``.id``)."""

    def __init__(self, account_id):
        self.id = account_id


def _figures(values, scale):
    paid, vols, vuln, women, men, served, budget = values
    return {
        "staff_paid": round(paid * scale),
        "staff_volunteers": round(vols * scale),
        "staff_vulnerable": round(vuln * scale),
        "staff_women": min(round(women * scale), round(paid * scale) + round(vols * scale)),
        "staff_men": max(round(paid * scale) + round(vols * scale) - round(women * scale), 0),
        "people_served": round(served * scale),
        "budget": round(budget * scale, 2),
        "revenue": round(budget * scale * 0.4, 2),
        "public_funding_pct": 60,
    }


def seed(tenant) -> None:
    if db.session.execute(sa.select(Entry.id).limit(1)).first():
        return
    lang = tenant.default_locale if tenant.default_locale in ENTRIES else "el"
    admin_id = db.session.execute(
        sa.select(Membership.account_id).where(Membership.role == "admin").order_by(Membership.account_id)
    ).scalar()
    staff = _Seeder(admin_id)
    last = utcnow_aware().year - 1
    for kind, name, extra, values in ENTRIES[lang]:
        entry = services.create_by_staff(
            {"kind": kind, "name": name, "area": "", **extra},
            account=staff,
            document="Demo: register extract",
        )
        services.save_figures(entry, last - 1, _figures(values, 0.9), account=staff)
        services.save_figures(entry, last, _figures(values, 1.0), account=staff)
    ngo = db.session.execute(sa.select(Account).where(Account.email == "ngo@example.org")).scalar()
    if ngo is not None:
        # one it administers that is affiliated here (the demo's NGO is, in every demo municipality)
        org_id = db.session.execute(
            sa.select(OrganisationMember.organisation_id)
            .join(Affiliation, Affiliation.organisation_id == OrganisationMember.organisation_id)
            .where(
                OrganisationMember.account_id == ngo.id,
                OrganisationMember.role == "admin",
                Affiliation.status == AffiliationStatus.APPROVED,
            )
            .order_by(OrganisationMember.organisation_id)
        ).scalar()
        name, form = NGO_ENTRY[lang]
        if org_id and form in services.taxonomy.legal_forms_for(tenant.country):
            data = {
                "kind": "social_enterprise",
                "name": name,
                "legal_form": form,
                "sectors": ["56"],
                "population_groups": ["low_income", "unemployed"],
            }
            first = services.submit(None, data, account=ngo, organisation_id=org_id)
            services.review(
                first, account=staff, approve=True, document="Demo: register extract", notify=False
            )
            entry = services.get_entry(first.entry_id)
            services.save_figures(entry, last - 1, _figures((5, 12, 3, 9, 8, 900, 120000), 1), account=ngo)
            services.submit(
                entry,
                {**data, "population_groups": [*data["population_groups"], "migrants"]},
                account=ngo,
                organisation_id=org_id,
            )
    if lang == "el":
        _seed_pact(staff, last)
    services.open_year(last, dt.date(last + 1, 3, 31), account=staff)
    services.set_consent(True, account=staff)
    codes = AREAS.get(tenant.country)
    if codes:
        from plugins.registry.plugin import set_area

        set_area(tenant.id, nuts3=codes[0], nuts2=codes[1], country=codes[2])
    db.session.flush()
    # after the demo's commit (the job reads committed rows only): the last run has all three
    enqueue("registry.aggregate", None, {})


def _seed_pact(staff, last: int) -> None:
    """Orestiada's cooperation pact with two of its actors, changed once and reviewed once."""
    parties = [e.id for e in services.directory()][:2]
    data = {
        "title": "Σύμφωνο Συνεργασίας για την κοινωνική ένταξη",
        "scope": "Κοινή δράση για την ψυχοκοινωνική στήριξη και την ένταξη ευάλωτων ομάδων στην Ορεστιάδα.",
        "municipality_commitments": "Παραχώρηση χώρου στο Πνευματικό Κέντρο, μεταφορά ωφελουμένων, ενημέρωση.",
        "partner_commitments": "Ομάδες στήριξης κάθε εβδομάδα, συμβουλευτική, ετήσια έκθεση δράσεων.",
        "starts_on": dt.date(last - 1, 2, 1),
        "ends_on": dt.date(last + 2, 1, 31),
        "signed_document": f"Αρ. πρωτ. 1187/01-02-{last - 1}",
        "status": "active",
        "next_review_on": None,
    }
    pact = services.save_pact(None, data, parties, account=staff)
    services.record_pact_review(
        pact,
        reviewed_on=dt.date(last, 2, 5),
        outcome="amend",
        notes="Οι ομάδες στήριξης ξεπέρασαν τον στόχο· προστίθεται η μεταφορά από τα χωριά.",
        account=staff,
    )
    services.save_pact(
        pact,
        {**data, "municipality_commitments": data["municipality_commitments"] + " Μεταφορά από τα χωριά."},
        parties,
        account=staff,
    )
