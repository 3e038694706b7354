"""The count of a ranked-choice election: instant-runoff for one seat, sequential instant-runoff
for several.

One seat (instant-runoff, IRV): every ballot counts for its highest-ranked candidate still in
the count; a candidate with more than half of the ballots still counting is elected; otherwise
the candidate with the fewest votes is eliminated and their ballots pass to the next preference.

Several seats (sequential IRV, a simple STV-like method): the first seat is filled by IRV over
every ballot; its winner is then set aside and IRV is run again over every ballot, from the
start, for the next seat; and so on. It is not proportional (a majority can take every seat), it
is easy to recount by hand and it never depends on the order ballots were cast.

Ties, for elimination, are broken by the call's published lot (``sha256("<call>:<nomination>")``,
the same as in an approval count): among the tied, the candidate with the higher lot is
eliminated, as in an approval count the lower lot goes first. Everything is a pure function of
the published ballots, so anyone can recompute it.
"""

import dataclasses
from collections.abc import Callable, Hashable, Sequence


@dataclasses.dataclass
class Round:
    """One round of one seat's count."""

    seat: int
    tallies: dict  # candidate -> votes, for the candidates still in the count
    exhausted: int  # ballots with no candidate still in the count
    elected: Hashable | None = None
    eliminated: Hashable | None = None
    by_lot: bool = False  # the elimination was a tie broken by the lot
    tied: tuple = ()
    number: int = 1  # the round's number within its seat


def sequential_irv(
    candidates: Sequence[Hashable],
    ballots: Sequence[Sequence[Hashable]],
    seats: int,
    lot: Callable[[Hashable], str],
) -> tuple[list, list[Round]]:
    """The candidates elected, in order, and every round of the count."""
    elected: list = []
    rounds: list[Round] = []
    for seat in range(1, min(seats, len(candidates)) + 1):
        continuing = [c for c in candidates if c not in elected]
        number = 0
        while True:
            number += 1
            tallies = dict.fromkeys(continuing, 0)
            exhausted = 0
            for ballot in ballots:
                top = next((c for c in ballot if c in tallies), None)
                if top is None:
                    exhausted += 1
                else:
                    tallies[top] += 1
            counting = sum(tallies.values())
            leader = min(continuing, key=lambda c: (-tallies[c], lot(c)))
            if len(continuing) == 1 or tallies[leader] * 2 > counting:
                rounds.append(Round(seat, tallies, exhausted, elected=leader, number=number))
                elected.append(leader)
                break
            fewest = min(tallies.values())
            last = [c for c in continuing if tallies[c] == fewest]
            out = max(last, key=lot)
            rounds.append(
                Round(
                    seat,
                    tallies,
                    exhausted,
                    eliminated=out,
                    by_lot=len(last) > 1,
                    tied=tuple(last) if len(last) > 1 else (),
                    number=number,
                )
            )
            continuing.remove(out)
    return elected, rounds
