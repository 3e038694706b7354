"""Aggregates: primary and secondary suppression on crafted data (no suppressed value can be
recovered by subtraction from what is published), the job across municipalities, opt-out,
and the observatory on the apex."""

import pytest

from core.toolkit import db, tenant_context
from plugins.registry import aggregates, services
from plugins.registry.aggregates import Cell
from plugins.registry.plugin import set_area
from tests.plugins.registry.conftest import LAST_YEAR, Who, make_entry


def _cells(spec):
    """{(level, area, dim, code): (entries, parent)} → cells for one year."""
    return {
        (level, area, 2025, dim, code): Cell(area_name=area, parent=parent, entries=n, staff_paid=n * 2)
        for (level, area, dim, code), (n, parent) in spec.items()
    }


def _sums(cells):
    """The published sums, derived here independently of the job: each area's total over its
    breakdown (one sum per dimension), and each cell over the same cell of its child areas."""
    levels = aggregates.LEVELS
    sums = {}
    for key, cell in cells.items():
        level, area, year, dim, code = key
        if dim != "total":
            sums.setdefault(((level, area, year, "total", ""), dim), []).append(key)
        if level != "country":
            up = (levels[levels.index(level) + 1], cell.parent, year, dim, code)
            sums.setdefault((up, "areas"), []).append(key)
    return [(total, parts) for (total, _how), parts in sums.items() if total in cells]


def _assert_safe(cells):
    """Every published total is the sum of parts of which none or at least two are hidden."""
    for parent, children in _sums(cells):
        if cells[parent].suppressed:
            continue
        hidden = [c for c in children if cells[c].suppressed]
        assert len(hidden) != 1, (parent, hidden)


def test_primary_and_secondary_suppression():
    cells = _cells(
        {
            # a regional unit of three municipalities, 19 = 9 + 3 + 7: b is small
            ("municipality", "a", "total", ""): (9, "EL511"),
            ("municipality", "b", "total", ""): (3, "EL511"),
            ("municipality", "c", "total", ""): (7, "EL511"),
            ("nuts3", "EL511", "total", ""): (19, "EL51"),
            ("nuts2", "EL51", "total", ""): (19, "EL"),
            ("country", "EL", "total", ""): (19, ""),
            # a's breakdown by main sector: 9 = 6 + 2 + 1
            ("municipality", "a", "sector", "88"): (6, "EL511"),
            ("municipality", "a", "sector", "56"): (2, "EL511"),
            ("municipality", "a", "sector", "85"): (1, "EL511"),
            ("nuts3", "EL511", "sector", "88"): (6, "EL51"),
            ("nuts3", "EL511", "sector", "56"): (2, "EL51"),
            ("nuts3", "EL511", "sector", "85"): (1, "EL51"),
        }
    )
    aggregates.suppress(cells)
    hidden = {k[:2] + k[3:] for k, c in cells.items() if c.suppressed}
    # primary: fewer than 5 entries
    assert ("municipality", "b", "total", "") in hidden
    assert ("municipality", "a", "sector", "56") in hidden
    assert ("municipality", "a", "sector", "85") in hidden
    # secondary: b alone would be 19 - 9 - 7; the smaller of a and c (c, 7) goes with it
    assert ("municipality", "c", "total", "") in hidden
    assert ("municipality", "a", "total", "") not in hidden
    assert ("nuts3", "EL511", "total", "") not in hidden
    # a's 88 is not hidden with two small siblings hidden: 9 - 6 = 3 tells only their sum
    assert ("municipality", "a", "sector", "88") not in hidden
    _assert_safe(cells)


def test_a_lone_small_part_with_no_sibling_hides_its_total():
    cells = _cells(
        {
            ("municipality", "a", "total", ""): (8, "EL511"),
            ("municipality", "a", "sector", "88"): (8, "EL511"),
            ("municipality", "a", "group", "roma"): (2, "EL511"),
            ("nuts3", "EL511", "total", ""): (8, "EL51"),
            ("nuts3", "EL511", "sector", "88"): (8, "EL51"),
            ("nuts3", "EL511", "group", "roma"): (2, "EL51"),
        }
    )
    aggregates.suppress(cells)
    _assert_safe(cells)
    assert cells[("municipality", "a", 2025, "group", "roma")].suppressed


@pytest.mark.parametrize("seed", range(20))
def test_suppression_is_safe_on_random_data(seed):
    import random

    rng = random.Random(seed)
    spec = {}
    for nuts3 in ("EL511", "EL512"):
        total3 = 0
        for m in range(rng.randint(1, 4)):
            n = rng.randint(1, 12)
            total3 += n
            area = f"{nuts3}-{m}"
            spec[("municipality", area, "total", "")] = (n, nuts3)
            left = n
            for code in ("88", "56"):
                part = rng.randint(0, left)
                if part:
                    spec[("municipality", area, "sector", code)] = (part, nuts3)
                left -= part
            if left:
                spec[("municipality", area, "sector", "85")] = (left, nuts3)
        spec[("nuts3", nuts3, "total", "")] = (total3, "EL51")
    for key in [k for k in spec if k[0] == "municipality" and k[2] == "sector"]:
        parent = spec[key][1]
        old = spec.get(("nuts3", parent, "sector", key[3]), (0, "EL51"))[0]
        spec[("nuts3", parent, "sector", key[3])] = (old + spec[key][0], "EL51")
    spec[("nuts2", "EL51", "total", "")] = (
        sum(v[0] for k, v in spec.items() if k[0] == "nuts3" and k[2] == "total"),
        "EL",
    )
    cells = _cells(spec)
    aggregates.suppress(cells)
    _assert_safe(cells)
    assert all(c.suppressed for c in cells.values() if c.entries < aggregates.THRESHOLD)


def _town_with_entries(app, tenant_factory, account_factory, slug_name, count, *, nuts3="EL511"):
    town = tenant_factory(plugins=["registry"], locale="el", country="GR", name=slug_name)
    staff = account_factory(memberships={town: "staff"})
    for i in range(count):
        make_entry(
            app,
            town,
            staff,
            name=f"{slug_name} {i}",
            figures={LAST_YEAR: {"staff_paid": 2, "people_served": 10}},
        )
    with app.app_context():
        set_area(town.id, nuts3=nuts3, nuts2=nuts3[:4], country=nuts3[:2])
        with tenant_context(town.id):
            services.set_consent(True, account=Who(staff))
        db.session.commit()
        db.session.remove()
    return town, staff


def _country_total(app, country="EL"):
    with app.app_context():
        run = aggregates.latest_run()
        cells = aggregates.area_cells(run.id, "country", country, LAST_YEAR)
        total = next(c for c in cells if c.dimension == "total")
        found = (run.municipalities, total.entries, total.staff_paid, total.suppressed)
        db.session.remove()
    return found


def test_the_job_aggregates_consenting_municipalities_and_opt_out_removes_one(
    app, tenant_factory, account_factory, apex_client
):
    one, staff_one = _town_with_entries(app, tenant_factory, account_factory, "Ορεστιάδα", 6, nuts3="EL519")
    _two, _staff = _town_with_entries(app, tenant_factory, account_factory, "Σουφλί", 5, nuts3="EL519")
    with app.app_context():
        aggregates.run()
        db.session.commit()
        db.session.remove()
    municipalities, entries, staff_paid, suppressed = _country_total(app)
    assert entries >= 11 and staff_paid >= 22 and not suppressed
    page = apex_client.get("/observatory/?level=nuts3&area=EL519&year=" + str(LAST_YEAR)).get_data(
        as_text=True
    )
    assert "Ορεστιάδα" in page and ">11<" in page

    with app.app_context(), tenant_context(one.id):
        services.set_consent(False, account=Who(staff_one))
        db.session.commit()
        db.session.remove()
    with app.app_context():
        aggregates.run()
        db.session.commit()
        cells = aggregates.area_cells(aggregates.latest_run().id, "nuts3", "EL519", LAST_YEAR)
        assert next(c for c in cells if c.dimension == "total").entries == 5
        assert "Ορεστιάδα" not in {
            a for _c, a in aggregates.areas(aggregates.latest_run().id, "municipality")
        }
        db.session.remove()
    after = _country_total(app)
    assert after[0] == municipalities - 1 and after[1] == entries - 6
    data = apex_client.get(f"/observatory/data.json?level=nuts3&area=EL519&year={LAST_YEAR}").get_json()
    assert {c["area_name"] for c in data["cells"] if c["level"] == "municipality"} == {"Σουφλί"}


def test_small_municipalities_are_suppressed_in_the_observatory(
    app, tenant_factory, account_factory, apex_client
):
    _big, _s = _town_with_entries(app, tenant_factory, account_factory, "Μεγάλος", 9, nuts3="EL518")
    _small, _s2 = _town_with_entries(app, tenant_factory, account_factory, "Μικρός", 2, nuts3="EL518")
    with app.app_context():
        aggregates.run()
        db.session.commit()
        run = aggregates.latest_run()
        children = {c.area_name: c for c in aggregates.child_cells(run.id, "nuts3", "EL518", LAST_YEAR)}
        db.session.remove()
    assert children["Μικρός"].suppressed and children["Μικρός"].entries is None
    assert children["Μεγάλος"].suppressed  # secondary: 11 - 9 would give the small one away
    csv_text = apex_client.get(f"/observatory/data.csv?level=nuts3&area=EL518&year={LAST_YEAR}").get_data(
        as_text=True
    )
    assert "Μικρός" in csv_text and ",2," not in csv_text.split("Μικρός", 1)[1].splitlines()[0]
