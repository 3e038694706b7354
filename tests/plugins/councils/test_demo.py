"""The demo seeds a council in each demo municipality's language: Haskovo's with a completed
selection (the demo NGO's candidate seated), a held meeting and an opinion; Sector 3's call open;
everywhere a ranked-choice election with its ballots and result, an answered objection, and a
member's dissent on the opinion."""

import sqlalchemy as sa

from core.toolkit import db, tenant_context
from plugins.councils import documents, services

#: the ranked-choice election's winner, the objection's first words and the dissent's, per municipality
RANKED = {
    "orestiada": ("Μαρία Καραγιάννη", "Υποβάλλουμε ένσταση", "Καταψήφισα"),
    "haskovo": ("Петя Станева", "Възразяваме", "Гласувах против"),
    "sector3": ("Elena Stoica", "Contestăm", "Am votat împotrivă"),
}
EXPECTED = {
    "orestiada": "Δημοτική Επιτροπή Διαβούλευσης Δήμου Ορεστιάδας",
    "haskovo": "Обществен съвет към кмета на община Хасково",
    "sector3": "Consiliul consultativ pentru economie socială al Sectorului 3",
}


def test_demo_councils_in_three_languages(app, client_for):
    from core.tenancy import Tenant  # (test-only: the demo municipalities by slug)
    from tenants.demo import seed_demo  # the platform's demo seed (test-only import)

    with app.app_context():
        seed_demo()
        db.session.commit()
        slugs = dict(
            db.session.execute(sa.select(Tenant.slug, Tenant.id).where(Tenant.slug.in_(EXPECTED))).all()
        )
        pages = {}
        for slug, name in EXPECTED.items():
            with tenant_context(slugs[slug]):
                (council,) = [c for c in services.list_councils() if c.name == name]
                assert services.list_opinions(council), slug
                (founding,) = documents.documents_of(council, founding=True)
                assert founding.content_type == "application/pdf" and founding.content.startswith(b"%PDF-")
                calls = services.list_calls(council)
                phases = {services.call_phase(c) for c in calls}
                assert phases == ({"open", "decided"} if slug == "sector3" else {"decided"}), slug
                names = {m.name for m in services.composition(council)}
                winner, objected, dissented = RANKED[slug]
                assert {"Maria Ivanova", winner} <= names, (slug, names)

                (election,) = [c for c in calls if c.voting_method == "ranked" and c.method == "election"]
                cast = services.ballots(election)
                assert len(services.ranked_ballots(cast)) == 3  # one ballot per organisation
                standings, rounds = services.ranked_count(election)
                assert (
                    standings[0].nomination.candidate_name == winner and rounds
                )  # reproducible from the ballots
                assert standings[0].nomination.status == "selected"
                (objection,) = services.objections(election)
                assert objection.reasons.startswith(objected) and objection.outcome == "dismissed"
                assert objection.answer

                (opinion,) = services.list_opinions(council)
                ((dissent, member_name),) = services.dissents(opinion)
                assert member_name == "Maria Ivanova" and dissent.text.startswith(dissented)
                assert opinion.votes_against == 1
                pages[slug] = (election.id, opinion.id)
        db.session.remove()
    page = client_for("haskovo.localhost").get("/councils/").get_data(as_text=True)
    assert EXPECTED["haskovo"] in page and "Съвети и комисии" in page
    for slug, (call_id, opinion_id) in pages.items():  # shown to anyone, in the municipality's language
        client = client_for(f"{slug}.localhost")
        winner, objected, dissented = RANKED[slug]
        call_page = client.get(f"/councils/calls/{call_id}").get_data(as_text=True)
        assert winner in call_page and objected in call_page, slug
        assert dissented in client.get(f"/councils/opinions/{opinion_id}").get_data(as_text=True), slug
