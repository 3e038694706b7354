"""Demonstration content for ``make demo``, in each demo municipality's language: Haskovo's Public
Council to the Mayor with a completed selection, a held meeting and a first opinion; Orestiada's
consultation committee (Law 3852/2010 art. 76) with a meeting to come; Sector 3's consultative
council on social economy with a call for nominations open now. Everywhere also an election by
ranked choice among three affiliated organisations (their ballots, the count and the result), an
objection to it with the municipality's answer, and a member's dissent on the opinion."""

import datetime as dt

import sqlalchemy as sa

from core.toolkit import (
    Account,
    Affiliation,
    AffiliationStatus,
    Membership,
    Organisation,
    OrganisationMember,
    db,
    utcnow,
    utcnow_aware,
)
from plugins.councils import documents, services
from plugins.councils.models import Council, Method, VotingMethod


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
        "organisations": [
            ("Сдружение „Знание и грижа“", "Светла Ангелова", "Петя Станева"),
            ("Фондация „Зелено Хасково“", "Борис Христов", "Николай Русев"),
        ],
        "ngo_candidate": "Даниела Маринова",
        "ranked_reason": "Кандидатурата отговаря на критериите на поканата; декларацията за конфликт на интереси е попълнена.",
        "ranked_call": "Избор на представител на гражданските организации чрез преференциално гласуване",
        "ranked_criteria": "- организация, вписана в регистъра на общината\n- всяка организация подрежда кандидатите по предпочитание",
        "ranked_result": "Бюлетините са преброени по метода на незабавния балотаж (прехвърляне на гласовете); "
        "избраната кандидатка получи мнозинство от първите предпочитания още в първия кръг.",
        "objection": "Възразяваме срещу резултата: според нас бюлетината на една от организациите е подадена след изтичане на срока.",
        "objection_answer": "Възражението се отхвърля: и трите бюлетини са подадени в срока за гласуване, видно от публикувания час на подаването им.",
        "dissent": "Гласувах против: становището не предвижда средства за достъпност на социалните услуги за хора с увреждания.",
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
        "organisations": [
            ("Σύλλογος Γονέων Παιδιών με Αναπηρία Ορεστιάδας", "Αναστασία Τσολάκη", "Μαρία Καραγιάννη"),
            ("Περιβαλλοντικός Σύλλογος Έβρου", "Χρήστος Μαυρίδης", "Κωνσταντίνος Αθανασίου"),
        ],
        "ngo_candidate": "Σοφία Μιχαηλίδου",
        "ranked_reason": "Η υποψηφιότητα πληροί τα κριτήρια της πρόσκλησης· η δήλωση σύγκρουσης συμφερόντων έχει υποβληθεί.",
        "ranked_call": "Εκλογή εκπροσώπου των φορέων με σειρά προτίμησης",
        "ranked_criteria": "- φορέας με έδρα στον Δήμο Ορεστιάδας\n- κάθε φορέας κατατάσσει τους υποψηφίους κατά σειρά προτίμησης",
        "ranked_result": "Η καταμέτρηση έγινε με τη μέθοδο του διαδοχικού αποκλεισμού (μεταφορά ψήφων) στα δημοσιευμένα "
        "ψηφοδέλτια· η εκλεγείσα συγκέντρωσε την πλειοψηφία των πρώτων προτιμήσεων από τον πρώτο γύρο.",
        "objection": "Υποβάλλουμε ένσταση κατά του αποτελέσματος: θεωρούμε ότι το ψηφοδέλτιο ενός φορέα υποβλήθηκε μετά τη λήξη της προθεσμίας.",
        "objection_answer": "Η ένσταση απορρίπτεται: και τα τρία ψηφοδέλτια υποβλήθηκαν εντός της προθεσμίας ψηφοφορίας, όπως προκύπτει από τη δημοσιευμένη ώρα υποβολής τους.",
        "dissent": "Καταψήφισα, γιατί η γνωμοδότηση δεν ορίζει χρονοδιάγραμμα για τα έργα προσβασιμότητας στα σχολεία.",
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
        "organisations": [
            ("Asociația „Vecini Solidari”", "Gabriela Niculescu", "Elena Stoica"),
            ("Fundația „Șanse Egale”", "Victor Stan", "Radu Georgescu"),
        ],
        "ngo_candidate": "Ana Constantin",
        "ranked_reason": "Candidatura îndeplinește criteriile apelului; declarația privind conflictul de interese a fost completată.",
        "ranked_call": "Alegerea reprezentantului ONG prin vot preferențial",
        "ranked_criteria": "- organizație neguvernamentală cu activitate în Sectorul 3\n- fiecare organizație ordonează candidații după preferință",
        "ranked_result": "Voturile au fost numărate prin eliminare succesivă, cu transferul voturilor, pe baza buletinelor publicate; "
        "candidata aleasă a obținut majoritatea primelor preferințe din primul tur.",
        "objection": "Contestăm rezultatul: considerăm că buletinul uneia dintre organizații a fost depus după termen.",
        "objection_answer": "Contestația se respinge: toate cele trei buletine au fost depuse în termenul de vot, după cum arată ora publicată a depunerii lor.",
        "dissent": "Am votat împotrivă: avizul nu prevede criterii sociale obligatorii pentru toate achizițiile rezervate.",
    },
}


def _local_organisations(tenant, texts) -> list[tuple[int, Account]]:
    """Two organisations of the municipality, affiliated, each with an admin (a demo stand-in who
    cannot sign in): with the demo NGO, the three voters of the ranked-choice election."""
    out = []
    for n, (name, admin_name, _candidate) in enumerate(texts["organisations"], start=1):
        admin = Account(
            email=f"council-org{n}@{tenant.slug}.example",
            display_name=admin_name,
            locale=tenant.default_locale,
        )
        org = Organisation(name=name, kind="ngo")
        db.session.add_all([admin, org])
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=org.id, account_id=admin.id, role="admin"))
        db.session.add(
            Affiliation(
                organisation_id=org.id,
                status=AffiliationStatus.APPROVED.value,
                requested_by_id=admin.id,
                decided_at=utcnow(),
                message="Demo affiliation",
            )
        )
        out.append((org.id, admin))
    db.session.flush()
    return out


def _ranked_election(council, texts, voters, staff, declaration, now) -> None:
    """An election by ranked choice for one NGO seat, from the call to the seating: a candidate per
    organisation, the three ballots, the count (the first local organisation's candidate has two
    of three first preferences), an objection by the organisation whose candidate lost, dismissed
    with reasons, and the winner seated after the objection period."""
    opened = now - dt.timedelta(days=100)
    call = services.save_call(
        None,
        council,
        title=texts["ranked_call"],
        category="ngo",
        seats=1,
        criteria=texts["ranked_criteria"],
        opens_at=opened,
        closes_at=opened + dt.timedelta(days=21),
        method=Method.ELECTION,
        voting_closes_at=opened + dt.timedelta(days=30),
        voting_method=VotingMethod.RANKED,
        status="published",
    )
    names = [texts["ngo_candidate"], *(candidate for _org, _admin, candidate in texts["organisations"])]
    nominated = [
        services.nominate(
            call,
            admin,
            organisation_id=org_id,
            candidate_name=name,
            declaration=declaration,
            now=opened + dt.timedelta(days=2, hours=i),
        )
        for i, ((org_id, admin), name) in enumerate(zip(voters, names, strict=True))
    ]
    for n in nominated:
        services.screen(
            n, admit=True, reason=texts["ranked_reason"], staff=staff, now=opened + dt.timedelta(days=22)
        )
    preferences = ([1, 0], [1, 2], [2, 1])  # per voter, the positions in ``nominated``, first to last
    for i, ((org_id, admin), ranking) in enumerate(zip(voters, preferences, strict=True)):
        services.cast_ballot(
            call,
            admin,
            organisation_id=org_id,
            nomination_ids=[nominated[k].id for k in ranking],
            now=opened + dt.timedelta(days=24, hours=i),
        )
    services.decide(call, reasoning=texts["ranked_result"], staff=staff, now=opened + dt.timedelta(days=31))
    org_id, admin = voters[2]
    objection = services.lodge_objection(
        call, admin, reasons=texts["objection"], organisation_id=org_id, now=opened + dt.timedelta(days=32)
    )
    services.answer_objection(
        objection,
        outcome="dismissed",
        reason=texts["objection_answer"],
        staff=staff,
        now=opened + dt.timedelta(days=34),
    )
    services.seat_selected(call, now=opened + dt.timedelta(days=40))


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
    if ngo_person is not None and org_id is not None and staff is not None:
        voters = [(org_id, ngo_person), *_local_organisations(tenant, texts)]
        _ranked_election(council, texts, voters, staff, declaration, now)
        if tenant.default_locale == "ro":
            # no selection seated her here: she sits for the demo NGO from the start
            services.add_member(
                council,
                name=ngo_person.display_name,
                category="ngo",
                term_start=today - dt.timedelta(days=120),
                account_id=ngo_person.id,
                organisation_id=org_id,
            )
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
    dissenting = ngo_person.id if ngo_person is not None else None
    for i, member in enumerate(voters):
        choice = "against" if member.account_id == dissenting else ("for" if i % 4 else "abstain")
        services.cast_vote(items[1], member, choice, by=staff)
    services.publish_minutes(held, texts["minutes"])
    opinion = services.issue_opinion(
        council,
        title=texts["opinion"],
        text=texts["opinion_text"],
        item_id=items[1].id,
        issued_on=today - dt.timedelta(days=13),
    )
    if services.dissenter(opinion, ngo_person) is not None:
        # the demo NGO's member voted against: her dissenting opinion is published with it
        services.add_dissent(opinion, ngo_person, texts["dissent"], now=now - dt.timedelta(days=12))
    services.save_meeting(
        council,
        None,
        title=texts["items"][0],
        starts_at=now + dt.timedelta(days=10),
        place=texts["place"],
        items=texts["items"][:1],
    )
    db.session.flush()
