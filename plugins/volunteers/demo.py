"""Demonstration content for ``make demo``: tasks in each demo municipality's language, with
shifts in the coming days, a few sign-ups (one on behalf of the demo NGO) and a past shift whose
hours were recorded, so that "My volunteering" has something to show."""

import datetime as dt

import sqlalchemy as sa

from core.toolkit import Account, Membership, OrganisationMember, db, to_local, to_utc, utcnow_aware
from plugins.volunteers import services
from plugins.volunteers.models import TaskStatus

TEXTS = {
    "el": [
        {
            "title": "Διανομή τροφίμων στο Κοινωνικό Παντοπωλείο",
            "place": "Κοινωνικό Παντοπωλείο, Βασ. Κωνσταντίνου 12",
            "skills": ["Οργάνωση αποθήκης", "Επικοινωνία με ωφελούμενους"],
            "description": "Βοηθάμε στη **διανομή τροφίμων** στις οικογένειες που εξυπηρετεί το Κοινωνικό Παντοπωλείο.\n\n"
            "- παραλαβή και ταξινόμηση προϊόντων\n- συσκευασία δεμάτων\n- υποδοχή ωφελούμενων\n\n"
            "Φορέστε άνετα ρούχα· γάντια παρέχονται.",
        },
        {
            "title": "Καθαρισμός της όχθης του Άρδα",
            "place": "Πάρκο Άρδα, κεντρική είσοδος",
            "skills": ["Εργασία σε εξωτερικό χώρο"],
            "description": "Εθελοντικός καθαρισμός της όχθης του ποταμού με τον Σύλλογο Φίλων του Άρδα. "
            "Ο Δήμος παρέχει σακούλες, γάντια και νερό.",
        },
        {
            "title": "Συνοδεία ηλικιωμένων στις εξετάσεις τους",
            "place": "Κέντρο Ενεργών Πολιτών",
            "skills": ["Δίπλωμα οδήγησης", "Πρώτες βοήθειες"],
            "description": "Συνοδεύουμε ηλικιωμένους του προγράμματος «Βοήθεια στο Σπίτι» στα ραντεβού τους στο Κέντρο Υγείας.",
        },
    ],
    "bg": [
        {
            "title": "Раздаване на храна в Социалния магазин",
            "place": "Социален магазин, ул. „Раковски“ 5",
            "skills": ["Складова работа", "Работа с хора"],
            "description": "Помагаме при **раздаването на храна** на семействата, които Социалният магазин подпомага.\n\n"
            "- приемане и подреждане на продукти\n- пакетиране\n- посрещане на потребителите\n\n"
            "Облечете се удобно; ръкавици се осигуряват.",
        },
        {
            "title": "Почистване на парк „Кенана“",
            "place": "Парк „Кенана“, главен вход",
            "skills": ["Работа на открито"],
            "description": "Доброволческо почистване на парка заедно с местните сдружения. "
            "Общината осигурява чували, ръкавици и вода.",
        },
        {
            "title": "Придружаване на възрастни хора до лекар",
            "place": "Център за активни граждани",
            "skills": ["Шофьорска книжка", "Първа помощ"],
            "description": "Придружаваме възрастни хора от програмата „Патронажна грижа“ до прегледите им.",
        },
    ],
    "ro": [
        {
            "title": "Distribuire de alimente la Magazinul social",
            "place": "Magazinul social, Str. Liviu Rebreanu 3",
            "skills": ["Lucru în depozit", "Comunicare cu beneficiarii"],
            "description": "Ajutăm la **distribuirea alimentelor** către familiile sprijinite de Magazinul social.\n\n"
            "- recepția și sortarea produselor\n- ambalarea pachetelor\n- primirea beneficiarilor\n\n"
            "Purtați haine comode; mănușile sunt asigurate.",
        },
        {
            "title": "Ecologizarea Parcului Titan",
            "place": "Parcul Titan, intrarea principală",
            "skills": ["Lucru în aer liber"],
            "description": "Acțiune de voluntariat pentru curățenia parcului, împreună cu asociațiile locale. "
            "Primăria asigură saci, mănuși și apă.",
        },
        {
            "title": "Însoțirea vârstnicilor la consultații",
            "place": "Centrul pentru cetățeni activi",
            "skills": ["Permis de conducere", "Prim ajutor"],
            "description": "Însoțim vârstnicii din programul de îngrijire la domiciliu la programările lor medicale.",
        },
    ],
}


def _at(days: int, hour: int, tenant) -> dt.datetime:
    """A local wall-clock time ``days`` from today in the municipality, as UTC."""
    local_today = to_local(utcnow_aware(), tenant).date()
    return to_utc(dt.datetime.combine(local_today + dt.timedelta(days=days), dt.time(hour)), tenant)


def seed(tenant) -> None:
    texts = TEXTS.get(tenant.default_locale, TEXTS["el"])
    admin = (
        db.session.execute(
            sa.select(Account)
            .join(Membership, Membership.account_id == Account.id)
            .where(Membership.role == "admin")
            .order_by(Account.id)
        )
        .scalars()
        .first()
    )
    tasks = [services.save_task(None, account=admin, status=TaskStatus.PUBLISHED, **t) for t in texts]
    food, park, escort = tasks
    now = utcnow_aware()
    past = services.save_shift(
        food, None, starts_at=_at(-7, 10, tenant), ends_at=_at(-7, 13, tenant), capacity=6
    )
    coming = [
        services.save_shift(food, None, starts_at=_at(d, 10, tenant), ends_at=_at(d, 13, tenant), capacity=6)
        for d in (2, 9)
    ]
    park_shift = services.save_shift(
        park, None, starts_at=_at(5, 9, tenant), ends_at=_at(5, 12, tenant), capacity=20
    )
    escort_shift = services.save_shift(
        escort, None, starts_at=_at(3, 8, tenant), ends_at=_at(3, 12, tenant), capacity=2
    )

    members = (
        db.session.execute(
            sa.select(Account)
            .join(Membership, Membership.account_id == Account.id)
            .where(Membership.role == "member")
        )
        .scalars()
        .all()
    )
    by_email = {a.email: a for a in members}
    ngo_person = by_email.get("ngo@example.org")
    citizen = by_email.get("citizen@example.org")
    if ngo_person is not None:
        org = (
            db.session.execute(
                sa.select(OrganisationMember.organisation_id).where(
                    OrganisationMember.account_id == ngo_person.id
                )
            )
            .scalars()
            .first()
        )
        signup = services.sign_up(
            past.id, ngo_person, organisation_id=org, now=past.starts_at - dt.timedelta(days=2), notify=False
        )
        services.record_attendance(signup, attended=True, hours=None, coordinator=admin, now=now)
        services.sign_up(park_shift.id, ngo_person, organisation_id=org, now=now, notify=False)
    volunteer = citizen or ngo_person
    if volunteer is not None:
        if volunteer is citizen:
            signup = services.sign_up(
                past.id, citizen, now=past.starts_at - dt.timedelta(days=1), notify=False
            )
            services.record_attendance(signup, attended=True, hours=2.5, coordinator=admin, now=now)
        services.sign_up(coming[0].id, volunteer, note=texts[0]["skills"][0], now=now, notify=False)
        services.sign_up(escort_shift.id, volunteer, now=now, notify=False)
    db.session.flush()
