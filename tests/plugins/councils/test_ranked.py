"""Ranked-choice elections: instant-runoff for one seat, sequential instant-runoff for several,
ties for elimination broken by the published lot; one ranked ballot per organisation; the count
recomputed from the published ballots; the ballot form refuses a slip and comes back filled."""

import hashlib

import pytest

from core.toolkit import Account, RuleViolation, db, tenant_context
from plugins.councils import ranked, services
from plugins.councils.models import NominationStatus
from tests.plugins.councils.conftest import API, bearer

LOT = {"A": "1", "B": "2", "C": "3", "D": "4"}.__getitem__


def test_instant_runoff_passes_ballots_to_the_next_preference():
    # A leads on first preferences (4) but C's voters prefer B: B wins 5 to 4
    ballots = [["A"]] * 4 + [["B"]] * 3 + [["C", "B"]] * 2
    elected, rounds = ranked.sequential_irv("ABC", ballots, 1, LOT)
    assert elected == ["B"]
    assert [(r.tallies, r.eliminated, r.elected) for r in rounds] == [
        ({"A": 4, "B": 3, "C": 2}, "C", None),
        ({"A": 4, "B": 5}, None, "B"),
    ]


def test_a_first_round_majority_wins_at_once_and_exhausted_ballots_are_counted():
    elected, rounds = ranked.sequential_irv("ABC", [["A"]] * 3 + [["B"]] + [["C"]], 1, LOT)
    assert elected == ["A"] and len(rounds) == 1
    _elected, rounds = ranked.sequential_irv("ABC", [["A"]] * 2 + [["B"]] * 2 + [["C"]], 1, LOT)
    assert rounds[1].exhausted == 1  # C's only-C ballot has nobody left


def test_a_tie_for_elimination_goes_by_the_lot():
    ballots = [["A"], ["A"], ["B", "C"], ["C", "B"]]
    elected, rounds = ranked.sequential_irv("ABC", ballots, 1, LOT)
    # B and C tie on 1: C (the higher lot) goes; then A 2, B 2: B (higher lot) goes
    assert [(r.eliminated, r.by_lot) for r in rounds[:2]] == [("C", True), ("B", True)]
    assert elected == ["A"]
    # the lot reversed: B (now the higher lot) goes first, then A: C is elected
    reverse = {"A": "3", "B": "2", "C": "1"}.__getitem__
    assert ranked.sequential_irv("ABC", ballots, 1, reverse)[0] == ["C"]


def test_several_seats_rerun_the_count_without_those_elected():
    ballots = [["A", "B"]] * 5 + [["C", "B"]] * 3 + [["B", "C"]] * 2
    elected, rounds = ranked.sequential_irv("ABC", ballots, 2, LOT)
    # seat 1: A 5 of 10 is not more than half; B (2) out → A 5, C 5, still no majority: C (the
    # higher lot) out → A 10. Seat 2, A set aside, every ballot again: B 7, C 3 → B.
    assert elected == ["A", "B"]
    assert {r.seat for r in rounds} == {1, 2} and rounds[-1].tallies == {"B": 7, "C": 3}


def test_a_ranked_election_through_the_api_and_its_recount(
    app, town, ranked_call, access_token, tenant_client
):
    a, b, c = ranked_call["noms"]
    admins, orgs = ranked_call["admins"], ranked_call["orgs"]
    client = tenant_client(town)
    url = f"{API}/calls/{ranked_call['call']}/ballots"
    prefs = [[a], [a], [b, c], [c, b], [c, b]]  # a 2, b 1, c 2 → b out → c 3: c wins, not a
    for i, p in enumerate(prefs):
        cast = client.post(
            url,
            json={"organisation_id": orgs[i], "nomination_ids": [str(x) for x in p]},
            headers=bearer(access_token, admins[i], town),
        )
        assert cast.status_code == 201, cast.get_json()
        assert [x["rank"] for x in cast.get_json()] == list(range(1, len(p) + 1))
    again = client.post(
        url,
        json={"organisation_id": orgs[0], "nomination_ids": [str(b)]},
        headers=bearer(access_token, admins[0], town),
    )
    assert again.status_code == 409 and again.get_json()["code"] == "already_voted"

    with app.app_context(), tenant_context(town.id):
        call = services.get_call(ranked_call["call"])
        staff = db.session.get(Account, admins[0].id)
        chosen = services.decide(call, reasoning="Counted", staff=staff, now=call.voting_closes_at)
        assert [n.id for n in chosen] == [c]
        assert {n.id: n.status for n in services.nominations(call)}[a] == NominationStatus.NOT_SELECTED
        db.session.commit()
        db.session.remove()

    result = client.get(f"{API}/calls/{ranked_call['call']}/result").get_json()
    assert result["voting_method"] == "ranked"
    assert [r["eliminated"] for r in result["rounds"]] == [str(b), None]
    assert result["rounds"][-1]["elected"] == str(c)
    # anyone recounts from the published ballots and the published lot rule
    published: dict = {}
    for row in sorted(result["ballots"], key=lambda r: (r["organisation_id"], r["rank"])):
        published.setdefault(row["organisation_id"], []).append(row["nomination_id"])
    call_id = ranked_call["call"]

    def lot(n):
        return hashlib.sha256(f"{call_id}:{n}".encode()).hexdigest()

    candidates = [s["nomination_id"] for s in result["standings"]]
    order, _rounds = ranked.sequential_irv(candidates, list(published.values()), len(candidates), lot)
    assert order == [s["nomination_id"] for s in result["standings"]]
    assert result["standings"][0]["nomination_id"] == str(c) and result["standings"][0]["votes"] == 2


def test_a_ranked_ballot_is_one_list_without_repeats(app, town, ranked_call):
    a, b, _c = ranked_call["noms"]
    with app.app_context(), tenant_context(town.id):
        call = services.get_call(ranked_call["call"])
        admin = db.session.get(Account, ranked_call["admins"][0].id)
        with pytest.raises(RuleViolation) as caught:
            services.cast_ballot(
                call, admin, organisation_id=ranked_call["orgs"][0], nomination_ids=[a, b, a]
            )
        assert caught.value.field == "nomination_ids"
        db.session.rollback()
        # a ranked ballot may rank more candidates than there are seats
        rows = services.cast_ballot(
            call, admin, organisation_id=ranked_call["orgs"][0], nomination_ids=[b, a]
        )
        assert [(r.nomination_id, r.rank) for r in rows] == [(b, 1), (a, 2)]
        db.session.rollback()
        db.session.remove()


def test_the_ranked_ballot_form_refuses_a_gap_and_comes_back_filled(
    app, town, ranked_call, tenant_client, sign_in
):
    a, b, c = ranked_call["noms"]
    client = sign_in(tenant_client(town), ranked_call["admins"][1])
    page = client.get(f"/councils/calls/{ranked_call['call']}?lang=en").get_data(as_text=True)
    assert f'name="rank-{a}"' in page and "Rank the candidates" in page
    url = f"/councils/calls/{ranked_call['call']}/ballot?lang=en"
    gap = client.post(
        url, data={"organisation_id": ranked_call["orgs"][1], f"rank-{a}": "1", f"rank-{b}": "3"}
    )
    assert gap.status_code == 422
    body = gap.get_data(as_text=True)
    assert "Number your preferences 1, 2, 3 and so on, each number once, without gaps." in body
    assert '<option value="3" selected>' in body
    twice = client.post(
        url, data={"organisation_id": ranked_call["orgs"][1], f"rank-{a}": "1", f"rank-{b}": "1"}
    )
    assert twice.status_code == 422
    ok = client.post(
        url,
        data={"organisation_id": ranked_call["orgs"][1], f"rank-{c}": "1", f"rank-{a}": "2", f"rank-{b}": ""},
    )
    assert ok.status_code == 302
    with app.app_context(), tenant_context(town.id):
        rows = services.ballots(services.get_call(ranked_call["call"]))
        assert [(r.nomination_id, r.rank) for r in rows] == [(c, 1), (a, 2)]
        db.session.remove()
