"""Demonstration content for ``make demo``, in each demo municipality's language: Haskovo's Public
Council to the Mayor with a completed selection, a held meeting and a first opinion; Orestiada's
consultation committee (Law 3852/2010 art. 76) with a meeting to come; Sector 3's consultative
council on social economy with a call for nominations open now."""

import datetime as dt

import sqlalchemy as sa

from core.toolkit import Account, Membership, OrganisationMember, db, utcnow_aware
from plugins.councils import documents, services
from plugins.councils.models import Council


def demo_pdf(text: str) -> bytes:
    """A one-page PDF with a line of (ASCII) text: the demo's stand-in for a scanned decision."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


TEXTS = {
    "bg": {
        "name": "Обществен съвет към кмета на община Хасково",
        "kind": "public_council",
        "remit": "Консултативен орган към кмета: изразява **становища** по проекти на решения, програми и бюджета на общината "
        "и следи за публичността на тяхното изпълнение (ангажимент BG0060 по Партньорството за открито управление).",
        "decision": "Решение № 112 на Общински съвет – Хасково от 26.02.2026 г.",
        "members": [
            ("Иван Петров", "expert", "chair"),
            ("Елена Димитрова", "business", "vice_chair"),
            ("Стефан Колев", "ex_officio", "secretary"),
            ("Гергана Тодорова", "expert", "member"),
        ],
        "call": "Покана за номиниране на представители на неправителствени организации",
        "criteria": "- регистрирана в Хасково организация с обществено полезна дейност\n- поне две години дейност\n- без задължения към общината",
        "reason": "Кандидатурата отговаря на всички критерии; организацията работи в областта на социалните услуги от 2015 г.",
        "result": "Комисията по подбор класира кандидатите по критериите на поканата; избраният кандидат е с най-голям опит в гражданското участие.",
        "meeting": "Първо заседание на Обществения съвет",
        "place": "Община Хасково, пл. „Общински“ 1, зала 3",
        "items": [
            "Избор на председател и приемане на правила за работа",
            "Становище по проекта на бюджет 2027",
        ],
        "opinion": "Становище по проекта на бюджет на община Хасково за 2027 г.",
        "opinion_text": "Общественият съвет подкрепя проекта и **препоръчва** да се увеличат средствата за социални услуги в общността с 10 %.",
        "minutes": "Присъстваха 5 от 6 членове. Съветът избра председател и прие становище по проекта на бюджет.",
    },
    "el": {
        "name": "Δημοτική Επιτροπή Διαβούλευσης Δήμου Ορεστιάδας",
        "kind": "consultation_committee",
        "remit": "Η Επιτροπή Διαβούλευσης (άρθρο 76 ν. 3852/2010) γνωμοδοτεί για το **τεχνικό πρόγραμμα**, τον προϋπολογισμό "
        "και τα σημαντικά ζητήματα του Δήμου, με εκπροσώπους φορέων και πολιτών.",
        "decision": "Απόφαση Δημοτικού Συμβουλίου 45/2026",
        "members": [
            ("Γεώργιος Παπαδόπουλος", "ex_officio", "chair"),
            ("Αικατερίνη Ιωαννίδου", "citizen", "vice_chair"),
            ("Δημήτριος Νικολάου", "business", "secretary"),
            ("Ελένη Κωνσταντίνου", "citizen", "member"),
        ],
        "call": "Πρόσκληση εκδήλωσης ενδιαφέροντος για εκπροσώπους φορέων",
        "criteria": "- φορέας με έδρα στον Δήμο Ορεστιάδας\n- καταστατικό και πρακτικό ορισμού εκπροσώπου",
        "reason": "Πληροί τα κριτήρια της πρόσκλησης.",
        "result": "Ορίστηκαν με απόφαση του Δημάρχου οι υποψήφιοι που πληρούν τα κριτήρια, κατά σειρά υποβολής.",
        "meeting": "Διαβούλευση για το τεχνικό πρόγραμμα 2027",
        "place": "Δημαρχείο Ορεστιάδας, αίθουσα Δημοτικού Συμβουλίου",
        "items": ["Τεχνικό πρόγραμμα 2027", "Προτάσεις φορέων για την προσβασιμότητα"],
        "opinion": "Γνωμοδότηση για το τεχνικό πρόγραμμα 2027",
        "opinion_text": "Η Επιτροπή γνωμοδοτεί **θετικά** και προτείνει προτεραιότητα στα έργα προσβασιμότητας.",
        "minutes": "Παρόντα 5 μέλη. Η Επιτροπή συζήτησε το τεχνικό πρόγραμμα.",
    },
    "ro": {
        "name": "Consiliul consultativ pentru economie socială al Sectorului 3",
        "kind": "thematic_committee",
        "remit": "Consiliul emite **avize** consultative privind programele de economie socială, achizițiile rezervate "
        "și sprijinul pentru întreprinderile sociale din Sectorul 3.",
        "decision": "Hotărârea Consiliului Local Sector 3 nr. 210/2026",
        "members": [
            ("Andrei Popescu", "ex_officio", "chair"),
            ("Ioana Marinescu", "expert", "vice_chair"),
            ("Mihai Ionescu", "business", "secretary"),
            ("Cristina Dumitru", "expert", "member"),
        ],
        "call": "Apel pentru nominalizarea reprezentanților ONG în Consiliul consultativ",
        "criteria": "- organizație neguvernamentală cu activitate în Sectorul 3\n- experiență de cel puțin un an în economia socială\n- declarație de interese completată",
        "reason": "Îndeplinește criteriile apelului.",
        "result": "Candidații admiși au fost desemnați prin dispoziția primarului.",
        "meeting": "Ședința de constituire",
        "place": "Primăria Sectorului 3, Calea Dudești 191, sala de consiliu",
        "items": [
            "Regulamentul de organizare și funcționare",
            "Aviz privind programul de achiziții rezervate",
        ],
        "opinion": "Aviz privind programul de achiziții rezervate 2027",
        "opinion_text": "Consiliul avizează **favorabil** programul și recomandă creșterea pragului de achiziții rezervate.",
        "minutes": "Au fost prezenți 5 membri. Consiliul a adoptat regulamentul.",
    },
}


def seed(tenant) -> None:
    texts = TEXTS.get(tenant.default_locale, TEXTS["el"])
    if db.session.execute(sa.select(Council.id).where(Council.name == texts["name"])).first():
        return
    now = utcnow_aware()
    today = services.local_today(now)
    council = services.save_council(
        None,
        name=texts["name"],
        kind=texts["kind"],
        remit=texts["remit"],
        founding_decision=texts["decision"],
        term_months=36,
        seats={"ngo": (2, 1), "business": (1, 0), "citizen": (2, 0), "expert": (2, 0), "ex_officio": (1, 0)},
    )
    documents.add_document(
        council,
        "founding-decision.pdf",
        demo_pdf("Founding decision (demo)"),
        by=None,
        title=texts["decision"],
    )
    for name, category, position in texts["members"]:
        services.add_member(
            council,
            name=name,
            category=category,
            position=position,
            term_start=today - dt.timedelta(days=120),
        )
    ngo_person = db.session.execute(
        sa.select(Account).where(Account.email == "ngo@example.org")
    ).scalar_one_or_none()
    staff = (
        db.session.execute(
            sa.select(Account)
            .join(Membership, Membership.account_id == Account.id)
            .where(Membership.role == "admin")
        )
        .scalars()
        .first()
    )
    org_id = None
    if ngo_person is not None:
        org_id = db.session.execute(
            sa.select(OrganisationMember.organisation_id).where(
                OrganisationMember.account_id == ngo_person.id
            )
        ).scalar()
    declaration = {"roles": "—", "related_entities": "—", "municipal_funding": "—"}
    if tenant.default_locale == "ro":
        # an open call: the demo NGO's admin can nominate now
        services.save_call(
            None,
            council,
            title=texts["call"],
            category="ngo",
            seats=2,
            criteria=texts["criteria"],
            opens_at=now - dt.timedelta(days=3),
            closes_at=now + dt.timedelta(days=18),
            self_nomination=True,
            status="published",
        )
    else:
        opened = now - dt.timedelta(days=70)
        call = services.save_call(
            None,
            council,
            title=texts["call"],
            category="ngo",
            seats=1,
            criteria=texts["criteria"],
            opens_at=opened,
            closes_at=opened + dt.timedelta(days=21),
            status="published",
        )
        if ngo_person is not None and org_id is not None:
            nomination = services.nominate(
                call,
                ngo_person,
                organisation_id=org_id,
                candidate_name=ngo_person.display_name,
                candidate_account_id=ngo_person.id,
                declaration=declaration,
                now=opened + dt.timedelta(days=2),
            )
            services.screen(
                nomination,
                admit=True,
                reason=texts["reason"],
                staff=staff,
                now=opened + dt.timedelta(days=23),
            )
            services.decide(
                call,
                reasoning=texts["result"],
                staff=staff,
                selected=[nomination.id],
                now=opened + dt.timedelta(days=25),
            )
            services.seat_selected(call, now=opened + dt.timedelta(days=40))
    held = services.save_meeting(
        council,
        None,
        title=texts["meeting"],
        starts_at=now - dt.timedelta(days=14),
        place=texts["place"],
        items=texts["items"],
    )
    documents.add_document(council, "agenda.pdf", demo_pdf("Agenda (demo)"), by=None, meeting=held)
    present = {m.id for m in services.meeting_members(held)}
    services.record_attendance(held, present, by=staff)
    items = services.agenda(held)
    voters = services.meeting_members(held) if services.quorum(held).reached else []
    for i, member in enumerate(voters):
        services.cast_vote(items[1], member, "for" if i % 4 else "abstain", by=staff)
    services.publish_minutes(held, texts["minutes"])
    services.issue_opinion(
        council,
        title=texts["opinion"],
        text=texts["opinion_text"],
        item_id=items[1].id,
        issued_on=today - dt.timedelta(days=13),
    )
    services.save_meeting(
        council,
        None,
        title=texts["items"][0],
        starts_at=now + dt.timedelta(days=10),
        place=texts["place"],
        items=texts["items"][:1],
    )
    db.session.flush()
