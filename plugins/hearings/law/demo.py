"""Demo consultations that satisfy each country's law (issue 12, "Done when"): Haskovo (the Law
on Normative Acts: 30 days, «мотиви» and the impact assessment, a shorter one with published
reasons and its «справка») and Sector 3 (Law 52/2003: 30 working days before adoption, the
«referat de aprobare», a recommendation received at the registry, a public debate requested by an
association, the annual report). Orestiada's consultation is in ``plugins.hearings.demo``.

Everything goes through the services, so the demo is held to the same rules as staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.toolkit import db, utcnow
from plugins.hearings.attachments.services import add_attachment
from plugins.hearings.common import to_local
from plugins.hearings.consultations.services import articles_of, save_consultation
from plugins.hearings.debates import services as debates
from plugins.hearings.law import services as law
from plugins.hearings.meetings.services import save_meeting
from plugins.hearings.models import Comment, Status, StatusChange
from plugins.hearings.register.services import enter_recommendation
from plugins.hearings.transparency import services as transparency


def _pdf(title: str) -> bytes:
    """A one-page PDF with a title: enough for the demo's documents."""
    text = title.encode("latin-1", "replace")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _published(c, admin, opened_at: dt.datetime) -> None:
    """Announced (scheduled, then open) at ``opened_at``: the history a real one would have."""
    for to in (Status.SCHEDULED, Status.OPEN):
        db.session.add(
            StatusChange(
                consultation_id=c.id,
                from_status=c.status,
                to_status=to.value,
                by_account_id=admin.id,
                at=opened_at,
            )
        )
        c.status = to.value
    db.session.flush()


def _comment(c, article, who, body, *, org=None, hours_ago=1, outcome=None, reason=None) -> Comment:
    cm = Comment(
        consultation_id=c.id,
        article_id=article.id if article is not None else None,
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


HASKOVO_DRAFT = """Наредбата урежда условията и реда за предоставяне на социални услуги на територията на община Хасково.

## Член 1. Предмет

С наредбата се определят условията и редът за планиране, предоставяне и финансиране на социалните услуги в общината.

## Член 2. Достъп до услугите

Социалните услуги се предоставят след оценка на потребностите, без такса за лицата с доходи под линията на бедност.

## Член 3. Мобилни услуги

Общината осигурява мобилна социална услуга за възрастни хора в селата на общината.
"""

HASKOVO_SHORT_DRAFT = """## Член 1. Работно време

Работното време на социалната трапезария се удължава до 18:00 ч. от 1 януари.
"""


def haskovo(people: dict[str, Any]) -> None:
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    admin, ngo_person, org = people["admin"], people["ngo_person"], people["org"]
    opened = now - dt.timedelta(days=5)
    c = save_consultation(
        None,
        account=admin,
        title="Проект на Наредба за социалните услуги в община Хасково",
        summary="Община Хасково публикува за обществена консултация проекта на наредба заедно с мотивите и предварителната оценка на въздействието. Срокът за предложения и становища е 30 дни.",
        tags="социални услуги, наредба",
        opens_at=opened,
        closes_at=opened + dt.timedelta(days=30),
        intended_adoption_on=to_local(opened).date() + dt.timedelta(days=50),
        draft=HASKOVO_DRAFT,
    )
    add_attachment("motivi.pdf", _pdf("Motivi"), consultation_id=c.id, document_type="bg_motives")
    add_attachment(
        "otsenka-vazdeystvie.pdf",
        _pdf("Predvaritelna otsenka na vazdeystvieto"),
        consultation_id=c.id,
        document_type="bg_impact_assessment",
    )
    law.check_before_opening(c, admin, "", c.opens_at)  # what scheduling checks: dates and documents
    _published(c, admin, opened)
    arts = articles_of(c)
    if ngo_person is not None:
        _comment(
            c,
            arts[2],
            ngo_person,
            "Предлагаме мобилната услуга да обхваща и хората с увреждания, не само възрастните.",
            org=org,
            hours_ago=70,
        )
    enter_recommendation(
        c,
        admin,
        channel="paper",
        received_on=to_local(now).date() - dt.timedelta(days=2),
        sender_name="Иван Петров",
        sender_contact="ул. „Раковски“ 12, Хасково",
        article_id=arts[1].id,
        body="Предлагам таксата да отпада и за самотно живеещите пенсионери с доходи до минималната пенсия.",
    )

    # a shorter consultation, with the reasons stated as art. 26(4) asks, and its «справка»
    short_open = now - dt.timedelta(days=40)
    short = save_consultation(
        None,
        account=admin,
        title="Изменение на работното време на социалната трапезария",
        summary="Кратка консултация по изключение: промяната трябва да влезе в сила от 1 януари.",
        tags="социална трапезария",
        opens_at=short_open,
        closes_at=short_open + dt.timedelta(days=16),
        intended_adoption_on=to_local(short_open).date() + dt.timedelta(days=25),
        draft=HASKOVO_SHORT_DRAFT,
        reason="Срокът е 16 дни, защото удълженото работно време трябва да действа от началото на отоплителния сезон; причините са посочени и в доклада.",
    )
    add_attachment("doklad.pdf", _pdf("Doklad"), consultation_id=short.id, document_type="bg_report")
    add_attachment(
        "otsenka.pdf",
        _pdf("Predvaritelna otsenka"),
        consultation_id=short.id,
        document_type="bg_impact_assessment",
    )
    _published(short, admin, short_open)
    (article,) = articles_of(short)
    if ngo_person is not None:
        _comment(
            short,
            article,
            ngo_person,
            "Подкрепяме удължаването; молим и за работа в събота.",
            org=org,
            hours_ago=24 * 30,
            outcome="not_accepted",
            reason="Бюджетът за годината не позволява работа в събота; предложението ще бъде обсъдено при следващия бюджет.",
        )
    closed_at = short.closes_at
    for frm, to in ((Status.OPEN, Status.CLOSED), (Status.CLOSED, Status.OUTCOME_PUBLISHED)):
        db.session.add(
            StatusChange(
                consultation_id=short.id,
                from_status=frm.value,
                to_status=to.value,
                by_account_id=None if to == Status.CLOSED else admin.id,
                at=closed_at if to == Status.CLOSED else closed_at + dt.timedelta(days=2),
            )
        )
    short.status = Status.OUTCOME_PUBLISHED.value
    short.outcome_published_at = closed_at + dt.timedelta(days=2)
    short.outcome_summary = (
        "Постъпи едно предложение; справката с обосновката е публикувана преди приемането."
    )
    db.session.flush()


SECTOR3_DRAFT = """Proiectul de hotărâre aprobă Regulamentul de organizare a bugetării participative în Sectorul 3.

## Articolul 1. Obiectul

Se aprobă Regulamentul de organizare și desfășurare a procesului de bugetare participativă în Sectorul 3.

## Articolul 2. Suma alocată

Pentru anul 2027 se alocă 2% din bugetul de investiții al sectorului proiectelor propuse de cetățeni.

## Articolul 3. Votul

Pot vota toți locuitorii sectorului care au împlinit 16 ani.
"""


def sector3(people: dict[str, Any]) -> None:
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    admin, ngo_person, org = people["admin"], people["ngo_person"], people["org"]
    opened = now - dt.timedelta(days=3)
    announced = to_local(opened).date()
    adoption = law.calendar().earliest_after(announced, 30) + dt.timedelta(days=2)
    c = save_consultation(
        None,
        account=admin,
        title="Proiect de hotărâre privind Regulamentul bugetării participative în Sectorul 3",
        summary="Primăria Sectorului 3 supune consultării publice proiectul de hotărâre, împreună cu referatul de aprobare. Propunerile, sugestiile și opiniile se pot trimite în scris timp de 15 zile calendaristice.",
        tags="bugetare participativă, hotărâre",
        opens_at=opened,
        closes_at=opened + dt.timedelta(days=15),
        intended_adoption_on=adoption,
        draft=SECTOR3_DRAFT,
    )
    add_attachment(
        "referat-de-aprobare.pdf",
        _pdf("Referat de aprobare"),
        consultation_id=c.id,
        document_type="ro_approval_report",
    )
    law.check_before_opening(c, admin, "", c.opens_at)
    _published(c, admin, opened)
    arts = articles_of(c)
    if ngo_person is not None:
        _comment(
            c,
            arts[1],
            ngo_person,
            "Propunem ca suma alocată să crească treptat la 5% până în 2030.",
            org=org,
            hours_ago=40,
        )
    enter_recommendation(
        c,
        admin,
        channel="registry",
        received_on=to_local(now).date() - dt.timedelta(days=1),
        sender_name="Elena Popescu",
        organisation_name="Asociația de proprietari bl. T4",
        sender_contact="elena.popescu@example.org",
        article_id=arts[2].id,
        body="Solicităm ca votul să se poată exprima și pe hârtie, la sediile administrațiilor de piață.",
    )
    debate = save_meeting(
        None,
        kind="hearing",
        title="Dezbatere publică: Regulamentul bugetării participative",
        description="Dezbatere publică organizată la cererea Asociației Civica 3, conform art. 7 din Legea nr. 52/2003.",
        starts_at=now + dt.timedelta(days=8, hours=3),
        ends_at=now + dt.timedelta(days=8, hours=5),
        place="Primăria Sectorului 3, sala de consiliu",
        online_url="",
        capacity=80,
        registration_opens_at=None,
        registration_closes_at=None,
        agenda="1. Prezentarea proiectului\n2. Luări de cuvânt\n3. Concluzii",
        speaker_minutes=5,
        consultation_id=c.id,
    )
    request = debates.create_request(
        c,
        admin,
        requester_kind="association",
        requester_name="Asociația Civica 3",
        requester_registration="Registrul asociațiilor și fundațiilor nr. 123/2015",
        contact="contact@civica3.example",
        received_on=to_local(now).date() - dt.timedelta(days=1),
        text="Solicităm organizarea unei dezbateri publice asupra proiectului de hotărâre.",
    )
    debates.decide(c, request, admin, accept=True, reason="", meeting=debate)
    transparency.save_notes(
        to_local(now).year,
        self_assessment="Consultările s-au desfășurat și online, iar recomandările primite la registratură au fost incluse în același registru.",
        closed_meetings=0,
        closed_meetings_reasons="",
    )


SEEDS = {"bg": haskovo, "ro": sector3}


def seed(locale: str, people: dict[str, Any]) -> None:
    fn = SEEDS.get(locale)
    if fn is not None and people.get("admin") is not None:
        fn(people)
        db.session.flush()
