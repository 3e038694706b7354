"""Demo content for the three demo municipalities, each in its own language (``make demo``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from core.toolkit import Account, Affiliation, Membership, Organisation, OrganisationMember, db, utcnow
from plugins.hearings.consultations.services import articles_of, save_consultation
from plugins.hearings.meetings.services import save_meeting
from plugins.hearings.models import Comment, Registration, SpeakerRequest, Status, StatusChange
from plugins.hearings.programmes.services import save_programme

ORESTIADA_DRAFT = """Το σχέδιο ορίζει τις προτεραιότητες του Δήμου για την κοινωνική ένταξη την περίοδο 2027–2030.

## Άρθρο 1. Σκοπός

Σκοπός του Τοπικού Σχεδίου Δράσης είναι η **καταπολέμηση της φτώχειας** και του κοινωνικού αποκλεισμού
στον Δήμο Ορεστιάδας, με συνεργασία υπηρεσιών, φορέων και πολιτών.

## Άρθρο 2. Ωφελούμενοι

Οι δράσεις απευθύνονται κατά προτεραιότητα σε:

- ηλικιωμένους που ζουν μόνοι,
- άτομα με αναπηρία,
- μακροχρόνια ανέργους,
- οικογένειες με παιδιά σε κίνδυνο φτώχειας.

## Άρθρο 3. Δράσεις

1. Επέκταση του προγράμματος «Βοήθεια στο Σπίτι» στα ορεινά χωριά.
2. Κοινωνικό παντοπωλείο και κοινωνικό φαρμακείο.
3. Κέντρο Ημέρας για άτομα με άνοια.

## Άρθρο 4. Παρακολούθηση

Η Επιτροπή Διαβούλευσης παρακολουθεί την εφαρμογή και δημοσιεύει ετήσια έκθεση.
"""


def _people() -> dict[str, Any]:
    """The demo admin of this municipality and a member acting for an affiliated organisation."""
    admin_id = db.session.execute(sa.select(Membership.account_id).where(Membership.role == "admin")).scalar()
    org_row = db.session.execute(
        sa.select(Organisation, OrganisationMember.account_id)
        .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
        .join(Affiliation, Affiliation.organisation_id == Organisation.id)
        .where(Affiliation.status == "approved")
    ).first()
    members = list(
        db.session.execute(sa.select(Membership.account_id).where(Membership.role == "member")).scalars()
    )
    return {
        "admin": db.session.get(Account, admin_id) if admin_id else None,
        "org": org_row[0] if org_row else None,
        "ngo_person": db.session.get(Account, org_row[1]) if org_row else None,
        "members": [db.session.get(Account, m) for m in members],
    }


def _comment(c, article, who, body, *, org=None, parent=None, hours_ago=1, outcome=None, reason=None):
    cm = Comment(
        consultation_id=c.id,
        article_id=article.id if article is not None else None,
        parent_id=parent.id if parent is not None else None,
        version=c.version,
        account_id=who.id,
        author_name=who.display_name,
        organisation_id=org.id if org else None,
        organisation_name=org.name if org else None,
        body=body,
        created_at=utcnow() - dt.timedelta(hours=hours_ago),
        outcome=outcome,
        outcome_reason=reason,
    )
    db.session.add(cm)
    db.session.flush()
    return cm


def _open(c, admin) -> None:
    for to in (Status.SCHEDULED, Status.OPEN):
        db.session.add(
            StatusChange(
                consultation_id=c.id, from_status=c.status, to_status=to.value, by_account_id=admin.id
            )
        )
        c.status = to.value
    db.session.flush()


def _meeting(**data):
    defaults = {
        "description": "",
        "online_url": "",
        "registration_opens_at": None,
        "registration_closes_at": None,
        "agenda": "",
        "speaker_minutes": 5,
    }
    return save_meeting(None, **{**defaults, **data})


def _register(m, who, status="confirmed", org=None):
    import uuid

    db.session.add(
        Registration(
            meeting_id=m.id,
            account_id=who.id,
            name=who.display_name,
            email=who.email or "",
            organisation_id=org.id if org else None,
            organisation_name=org.name if org else "",
            status=status,
            submission_id=uuid.uuid4(),
            confirmed_at=utcnow() if status == "confirmed" else None,
        )
    )


def orestiada(people) -> None:
    now = utcnow().replace(minute=0, second=0, microsecond=0)  # demo events start on the hour
    admin, ngo_person, org = people["admin"], people["ngo_person"], people["org"]
    c = save_consultation(
        None,
        account=admin,
        title="Τοπικό Σχέδιο Δράσης για την Κοινωνική Ένταξη 2027–2030",
        summary="Ο Δήμος Ορεστιάδας θέτει σε δημόσια διαβούλευση το σχέδιο κοινωνικής ένταξης. Σχολιάστε άρθρο προς άρθρο.",
        tags="κοινωνική πολιτική, φτώχεια, ηλικιωμένοι",
        opens_at=now - dt.timedelta(days=3),
        closes_at=now + dt.timedelta(days=18),
        draft=ORESTIADA_DRAFT,
    )
    _open(c, admin)
    arts = articles_of(c)
    first = _comment(
        c,
        arts[2],
        ngo_person,
        "Προτείνουμε το κοινωνικό παντοπωλείο να λειτουργεί και Σάββατο πρωί, για τους εργαζόμενους γονείς.",
        org=org,
        hours_ago=30,
    )
    for citizen in people["members"]:
        if citizen.id != ngo_person.id:
            _comment(
                c,
                arts[2],
                citizen,
                "Συμφωνώ. Χρειάζεται και μεταφορά από τα χωριά.",
                parent=first,
                hours_ago=20,
            )
            _comment(c, arts[1], citizen, "Να συμπεριληφθούν και οι άστεγοι συμπολίτες μας.", hours_ago=5)
    _comment(
        c, None, ngo_person, "Συνολικά θετικό σχέδιο· λείπει προϋπολογισμός ανά δράση.", org=org, hours_ago=2
    )
    _meeting(
        kind="hearing",
        title="Δημόσια ακρόαση για το Σχέδιο Κοινωνικής Ένταξης",
        description="Ανοιχτή συνεδρίαση της Επιτροπής Διαβούλευσης. Όλοι είναι ευπρόσδεκτοι.",
        starts_at=now + dt.timedelta(days=10, hours=2),
        ends_at=now + dt.timedelta(days=10, hours=4),
        place="Δημαρχείο Ορεστιάδας, αίθουσα συνεδριάσεων",
        capacity=120,
        agenda="1. Παρουσίαση του σχεδίου\n2. Τοποθετήσεις πολιτών και φορέων\n3. Συμπεράσματα",
        consultation_id=c.id,
    )


def haskovo(people) -> None:
    now = utcnow().replace(minute=0, second=0, microsecond=0)  # demo events start on the hour
    ngo_person, org = people["ngo_person"], people["org"]
    forum = _meeting(
        kind="forum",
        title="Граждански форум „Социалните услуги в Хасково“",
        description="Форумът е открит за граждани, бизнес, медии и неправителствени организации. Моля, регистрирайте се предварително.",
        starts_at=now + dt.timedelta(days=14, hours=3),
        ends_at=now + dt.timedelta(days=14, hours=6),
        place="Община Хасково, зала „Кенан Ялъмов“",
        online_url="https://meet.example.org/haskovo-forum",
        capacity=80,
        registration_opens_at=now - dt.timedelta(days=2),
        registration_closes_at=now + dt.timedelta(days=13),
        agenda="1. Откриване\n2. Представяне на картата на социалните услуги\n3. Работа по групи\n4. Обобщение",
    )
    _register(forum, ngo_person, org=org)
    council = _meeting(
        kind="hearing",
        title="Обществен съвет: обсъждане на общинския план за социални услуги",
        description="Заседание на Обществения съвет с открита част за граждани.",
        starts_at=now + dt.timedelta(days=21, hours=2),
        ends_at=now + dt.timedelta(days=21, hours=4),
        place="Община Хасково, заседателна зала",
        capacity=40,
        agenda="1. Становище на Обществения съвет\n2. Изказвания на граждани",
    )
    db.session.add(
        SpeakerRequest(
            meeting_id=council.id,
            account_id=ngo_person.id,
            name=ngo_person.display_name,
            organisation_id=org.id if org else None,
            organisation_name=org.name if org else "",
            topic="Достъпност на услугите за хора с увреждания",
            position=1,
        )
    )


def sector3(people) -> None:
    now = utcnow().replace(minute=0, second=0, microsecond=0)  # demo events start on the hour
    p = save_programme(
        None,
        "Program de ateliere participative 2027",
        "Ateliere gratuite, cu locuri limitate: alegeți sesiunile la care doriți să participați.",
    )
    topics = [
        ("Atelier: bugetare participativă", "Centrul comunitar Titan", 20),
        ("Atelier: servicii sociale de proximitate", "Biblioteca Sectorului 3", 15),
        ("Atelier: spații verzi și mobilitate", "Parcul IOR, pavilionul A", 25),
        ("Atelier: voluntariat pentru vârstnici", "Centrul de zi Dristor", 2),
    ]
    meetings = []
    for i, (title, place, seats) in enumerate(topics):
        start = now + dt.timedelta(days=7 + 2 * i, hours=1)
        meetings.append(
            _meeting(
                kind="workshop",
                title=title,
                description="Participarea este gratuită. Agenda se trimite după înscriere.",
                starts_at=start,
                ends_at=start + dt.timedelta(hours=2),
                place=place,
                capacity=seats,
                registration_opens_at=now - dt.timedelta(days=1),
                agenda="1. Prezentare\n2. Discuții pe grupe\n3. Propuneri",
                programme_id=p.id,
            )
        )
    if people["ngo_person"] is not None:
        _register(meetings[3], people["ngo_person"], org=people["org"])
    _meeting(
        kind="hearing",
        title="Dezbatere publică: Strategia locală pentru servicii sociale",
        description="Dezbatere publică organizată conform Legii nr. 52/2003. Înscrierea la cuvânt se face online.",
        starts_at=now + dt.timedelta(days=20, hours=2),
        ends_at=now + dt.timedelta(days=20, hours=4),
        place="Primăria Sectorului 3, sala de consiliu",
        capacity=60,
        agenda="1. Prezentarea proiectului\n2. Luări de cuvânt ale celor înscriși\n3. Concluzii",
    )


SEEDS = {"el": orestiada, "bg": haskovo, "ro": sector3}


def seed(tenant) -> None:
    fn = SEEDS.get(tenant.default_locale)
    if fn is None:
        return
    people = _people()
    if people["admin"] is None:
        return
    fn(people)
    db.session.flush()
    from plugins.hearings.law import demo as law_demo  # consultations that satisfy BG and RO law

    law_demo.seed(tenant.default_locale, people)
