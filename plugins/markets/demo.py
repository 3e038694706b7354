"""Demo data: Orestiada's solidarity market (Evros producers: asparagus, beans, wine, honey) with
an open market day, a Haskovo market in Bulgarian, and Sector 3's social grocery with eligible
households and a donation. Idempotent: a municipality that has market days already is left as is."""

import datetime as dt

import sqlalchemy as sa

from core.toolkit import Account, db, to_local, to_utc, utcnow_aware
from plugins.markets import distribution, grocery, photos, services, shares
from plugins.markets.models import DayStatus, MarketDay

MARKETS = {
    "orestiada": {
        "title": "Δημοτική Αλληλέγγυα Αγορά Ορεστιάδας",
        "share": "Εβδομαδιαίο καλάθι λαχανικών Βύσσας",
        "place": "Πλατεία Δημαρχείου, Ορεστιάδα",
        "producers": [
            (
                "Αγρόκτημα Βύσσας",
                "Νέα Βύσσα, Έβρος",
                [
                    ("Σπαράγγια", "Λαχανικά", "kg", "6.50", "ΠΟΠ", 80),
                    ("Φασόλια γίγαντες", "Όσπρια", "kg", "5.20", "", 120),
                ],
            ),
            (
                "Οινοποιείο Σουφλίου",
                "Σουφλί, Έβρος",
                [("Κρασί Μαυρούδι", "Κρασί", "litre", "8.00", "βιολογικό", 40)],
            ),
            (
                "Μελισσοκομία Δαδιάς",
                "Δαδιά, Έβρος",
                [("Θυμαρίσιο μέλι", "Μέλι", "piece", "9.00", "βιολογικό", 60)],
            ),
        ],
    },
    "haskovo": {
        "title": "Общински пазар на производителите – Хасково",
        "share": "Седмичен кашон зеленчуци",
        "place": "Площад „Свобода“, Хасково",
        "producers": [
            (
                "Ферма Родопи",
                "Минерални бани",
                [
                    ("Домати", "Зеленчуци", "kg", "3.20", "био", 100),
                    ("Сирене", "Млечни", "kg", "12.00", "", 30),
                ],
            ),
            ("Пчелин Маджарово", "Маджарово", [("Липов мед", "Мед", "piece", "11.00", "", 40)]),
        ],
    },
    "sector3": {
        "title": "Piața solidară a Sectorului 3",
        "place": "Piața Titan, București",
        "producers": [("Ferma Ilfov", "Ilfov", [("Cartofi", "Legume", "kg", "2.50", "", 200)])],
    },
}

GROCERY = {
    "sector3": {
        "items": [
            ("Ulei de floarea-soarelui", "Alimente", 12),
            ("Făină", "Alimente", 5),
            ("Lapte UHT", "Lactate", 4),
        ],
        "donation": ("business", "Supermarket Titan SRL", 200),
        "households": [("Familia Popescu", 4), ("Maria Ionescu", 1)],
        "place": "Centrul comunitar, Sector 3",
    }
}


def _account(email: str):
    return db.session.execute(sa.select(Account).where(Account.email == email)).scalar_one_or_none()


def _demo_photo(seed: int) -> bytes:
    """A made-up picture for the demo's products (a field at dusk), PNG."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), (250, 214, 140))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 190, 480, 320), fill=(96, 140 + seed % 60, 60))
    draw.ellipse((330 - seed * 5 % 200, 40, 400 - seed * 5 % 200, 110), fill=(245, 160, 60))
    for x in range(20, 480, 36):
        draw.line((x, 320, x + 10, 200 + (x * seed) % 30), fill=(40, 100, 40), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed(tenant) -> None:
    plan = MARKETS.get(tenant.slug)
    if plan is None or db.session.execute(sa.select(MarketDay.id).limit(1)).first() is not None:
        return
    now = utcnow_aware()
    staff = _account(f"admin@{tenant.slug}.example")
    ngo = _account("ngo@example.org")
    citizen = _account("citizen@example.org") if tenant.slug == "orestiada" else ngo
    local = to_local(now, tenant)
    market_date = local.date() + dt.timedelta(days=4)
    day = services.save_market_day(
        None,
        title=plan["title"],
        day_date=market_date,
        place=plan["place"],
        opens_at=now - dt.timedelta(days=1),
        closes_at=to_utc(dt.datetime.combine(market_date - dt.timedelta(days=1), dt.time(20, 0)), tenant),
        status=DayStatus.PUBLISHED,
    )
    slots = [
        services.save_slot(
            day,
            None,
            starts_at=to_utc(dt.datetime.combine(market_date, dt.time(h, 0)), tenant),
            ends_at=to_utc(dt.datetime.combine(market_date, dt.time(h + 1, 0)), tenant),
            capacity=30,
        )
        for h in (9, 10, 11)
    ]
    first_offer = None
    for name, area, products in plan["producers"]:
        producer = services.Producer(name=name, area=area, status="approved", account_id=None)
        db.session.add(producer)
        db.session.flush()
        for pname, category, unit, price, labels, qty in products:
            product = services.save_product(
                producer,
                None,
                name=pname,
                category=category,
                unit=unit,
                price=price,
                labels=labels,
                origin=area,
            )
            offer = services.set_offer(day, product, qty)
            first_offer = first_offer or offer
            photos.set_photo(product, _demo_photo(len(pname)), max_kb=4096)
    first_producer = db.session.execute(
        sa.select(services.Producer).where(services.Producer.name == plan["producers"][0][0])
    ).scalar_one()
    season = market_date - dt.timedelta(days=market_date.weekday())
    share_plan = shares.save_plan(
        first_producer,
        name=plan.get("share", "Καλάθι εποχής"),
        price="25",
        price_per="month",
        frequency="weekly",
        season_start=season,
        season_end=season + dt.timedelta(weeks=12) - dt.timedelta(days=1),
        shares=20,
    )
    if citizen is not None:
        shares.subscribe(share_plan.id, citizen, now=now)
    if citizen is not None and first_offer is not None:
        services.place_order(day.id, citizen, slot_id=slots[0].id, lines={first_offer.id: 2}, notify=False)
    db.session.flush()
    extra = GROCERY.get(tenant.slug)
    if extra is None:
        return
    items = [grocery.save_item(None, name=n, category=c, credits=cr) for n, c, cr in extra["items"]]
    kind, donor, qty = extra["donation"]
    for item in items:
        grocery.record_donation(
            item,
            donor_kind=kind,
            donor_name=donor,
            quantity=qty,
            kilos=qty,
            received_on=local.date(),
            staff=staff,
        )
    for i, (name, size) in enumerate(extra["households"]):
        application = grocery.apply(
            applicant=staff,
            name=name,
            size=size,
            monthly_income=350 + 50 * i,
            channel="in_person",
            unemployed=True,
        )
        grocery.decide(application, staff, status="approved", reason="")
    handout_date = local.date() + dt.timedelta(days=3)
    handout_day = distribution.save_day(handout_date, place=extra.get("place", ""))
    for h in (10, 12):
        distribution.add_slot(
            handout_day,
            starts_at=to_utc(dt.datetime.combine(handout_date, dt.time(h, 0)), tenant),
            ends_at=to_utc(dt.datetime.combine(handout_date, dt.time(h + 2, 0)), tenant),
            capacity=15,
        )
    orgs = services.representable_organisations(ngo)
    if orgs:  # the demo NGO refers a household, with its consent; a validator has yet to decide
        grocery.apply(
            applicant=ngo,
            name="Familia Dobre",
            size=3,
            monthly_income=410,
            channel="ngo",
            organisation_id=orgs[0].id,
            consent=True,
            single_parent=True,
        )
    db.session.flush()
