"""The markets plugin's logic: pages, API and jobs call these and stay thin.

Services flush, never commit: the caller commits, so a request that fails writes nothing and mail
leaves only after the commit. Every broken rule is a :class:`RuleViolation` with a translated
message (409, or 403/404 when it is about who asks or what exists).

Stock, pick-up slots and credits are counters changed by conditional updates
(``UPDATE ... SET reserved = reserved + :n WHERE reserved + :n <= quantity``): PostgreSQL re-checks
the condition on the row's newest version after waiting for its lock, so concurrent orders can
never oversell, and each transaction locks slots and then offers in id order, so they cannot
deadlock. The CHECK constraints on the tables are the second guard.
"""

import dataclasses
import datetime as dt
import decimal
import uuid
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from babel import dates as babel_dates
from flask_babel import force_locale

from core.toolkit import (
    Account,
    Affiliation,
    AffiliationStatus,
    Mail,
    NotificationKind,
    Organisation,
    RuleViolation,
    active_tenant_id,
    db,
    external_url,
    get_locale,
    gettext,
    lazy_gettext,
    notify,
    organisations_of,
    plugin_settings,
    send_mail,
    tenant_info,
    to_local,
    utcnow_aware,
)
from plugins.markets.models import (
    DayStatus,
    MarketDay,
    Offer,
    Order,
    OrderLine,
    OrderStatus,
    PickupSlot,
    Producer,
    ProducerDocument,
    ProducerStatus,
    Product,
    Units,
)

PLUGIN = "markets"
MAX_QUANTITY = decimal.Decimal(1000)
MAX_STOCK = decimal.Decimal(100000)
MAX_LINES = 50
MAX_SLOT_CAPACITY = 1000
MAX_PRICE = decimal.Decimal("99999.99")
THOUSANDTH = decimal.Decimal("0.001")
CENT = decimal.Decimal("0.01")
DOCUMENT_KINDS = ("licence", "organic", "other")
#: what a document may be, recognised by its first bytes (never by its name)
MAGIC = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def settings() -> dict[str, Any]:
    return plugin_settings(PLUGIN)


def _tenant() -> Any:
    return tenant_info(active_tenant_id())


def _text(value: str | None, limit: int, field: str, *, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise RuleViolation(gettext("This field is required."), status=422, field=field)
    if len(text) > limit:
        raise RuleViolation(gettext("Use at most %(n)d characters.", n=limit), status=422, field=field)
    return text


# --- producers ----------------------------------------------------------------------------------


def sniff(content: bytes) -> str | None:
    """The document's type from its first bytes (PDF, PNG, JPEG), or None."""
    for magic, kind in MAGIC.items():
        if content.startswith(magic):
            return kind
    return None


def representable_organisations(account: Any) -> list[Organisation]:
    """The organisations ``account`` acts for that are affiliated (approved) with this municipality."""
    if account is None:
        return []
    mine = [m.organisation_id for m in organisations_of(account)]
    if not mine:
        return []
    approved = (
        sa.select(Affiliation.organisation_id)
        .where(Affiliation.organisation_id.in_(mine), Affiliation.status == AffiliationStatus.APPROVED.value)
        .scalar_subquery()
    )
    return list(db.session.execute(sa.select(Organisation).where(Organisation.id.in_(approved))).scalars())


def apply_producer(
    account: Any,
    *,
    name: str,
    description: str = "",
    area: str = "",
    organisation_id: int | None = None,
    documents: list[tuple[str, str, bytes]] = (),
) -> Producer:
    """A person (or an organisation they act for) applies to sell; staff decide. ``documents``:
    ``(kind, filename, content)``, each sniffed and at most ``max_document_kb``."""
    if account is None:
        raise RuleViolation(gettext("Sign in first."), status=401)
    name = _text(name, 200, "name", required=True)
    if organisation_id is not None and organisation_id not in {
        o.id for o in representable_organisations(account)
    }:
        raise RuleViolation(
            gettext("You cannot apply on behalf of this organisation here."),
            status=403,
            field="organisation_id",
        )
    open_ = db.session.execute(
        sa.select(Producer).where(
            Producer.account_id == account.id,
            Producer.organisation_id.is_(None)
            if organisation_id is None
            else Producer.organisation_id == organisation_id,
            Producer.status.in_((ProducerStatus.PENDING, ProducerStatus.APPROVED, ProducerStatus.SUSPENDED)),
        )
    ).first()
    if open_ is not None:
        raise RuleViolation(gettext("You have already applied to sell here."), code="already_applied")
    producer = Producer(
        account_id=account.id,
        organisation_id=organisation_id,
        name=name,
        description=(description or "").strip()[:5000],
        area=_text(area, 200, "area"),
        status=ProducerStatus.PENDING,
    )
    db.session.add(producer)
    db.session.flush()
    for kind, filename, content in documents:
        add_document(producer, kind, filename, content)
    return producer


def add_document(producer: Producer, kind: str, filename: str, content: bytes) -> ProducerDocument:
    if kind not in DOCUMENT_KINDS:
        raise RuleViolation(gettext("Choose one of the options listed."), status=422, field="documents")
    limit = settings()["max_document_kb"] * 1024
    if not content:
        raise RuleViolation(gettext("The file is empty."), status=422, field="documents")
    if len(content) > limit:
        raise RuleViolation(
            gettext("A document may be at most %(n)d kB.", n=settings()["max_document_kb"]),
            status=422,
            field="documents",
        )
    content_type = sniff(content)
    if content_type is None:
        raise RuleViolation(
            gettext("Send the document as a PDF, PNG or JPEG file."), status=422, field="documents"
        )
    doc = ProducerDocument(
        producer_id=producer.id,
        kind=kind,
        filename=(filename or "document").rsplit("/", 1)[-1][:200],
        content_type=content_type,
        size=len(content),
        content=content,
    )
    db.session.add(doc)
    db.session.flush()
    return doc


def documents_of(producer: Producer) -> list[ProducerDocument]:
    return list(
        db.session.execute(
            sa.select(ProducerDocument)
            .where(ProducerDocument.producer_id == producer.id)
            .order_by(ProducerDocument.uploaded_at)
        ).scalars()
    )


def get_document(document_id: uuid.UUID) -> ProducerDocument:
    doc = db.session.execute(
        sa.select(ProducerDocument).where(ProducerDocument.id == document_id)
    ).scalar_one_or_none()
    if doc is None:
        raise RuleViolation(gettext("This document does not exist."), status=404)
    return doc


def decide_producer(
    producer: Producer, staff: Any, *, status: str, reason: str, now: dt.datetime | None = None
) -> Producer:
    """Approve, reject or suspend a producer (reasons required except to approve); the
    producer is told by mail. A suspended producer's offers are no longer sold."""
    if status not in (ProducerStatus.APPROVED, ProducerStatus.REJECTED, ProducerStatus.SUSPENDED):
        raise RuleViolation(gettext("Choose one of the options listed."), status=422, field="status")
    reason = (reason or "").strip()
    if status != ProducerStatus.APPROVED and not reason:
        raise RuleViolation(gettext("Give the reasons for the decision."), field="reason")
    if len(reason) > 1000:
        raise RuleViolation(gettext("Use at most %(n)d characters.", n=1000), status=422, field="reason")
    if status == ProducerStatus.SUSPENDED and producer.status != ProducerStatus.APPROVED:
        raise RuleViolation(gettext("Only an approved producer can be suspended."), code="not_approved")
    producer.status, producer.decision_reason = status, reason
    producer.decided_by_id = staff.id if staff is not None else None
    producer.decided_at = now or utcnow_aware()
    db.session.flush()
    subjects = {
        ProducerStatus.APPROVED: lambda: gettext("You can now sell at the market"),
        ProducerStatus.REJECTED: lambda: gettext("Your application to sell was not accepted"),
        ProducerStatus.SUSPENDED: lambda: gettext("Your selling at the market is suspended"),
    }
    _mail_account(
        producer.account_id,
        subject=subjects[status],
        lines=lambda: [producer.name, reason, _link("/markets/producer")],
    )
    return producer


def list_producers(status: str | None = None) -> list[Producer]:
    query = sa.select(Producer).order_by(Producer.created_at.desc())
    if status:
        query = query.where(Producer.status == status)
    return list(db.session.execute(query).scalars())


def get_producer(producer_id: uuid.UUID) -> Producer:
    producer = db.session.execute(sa.select(Producer).where(Producer.id == producer_id)).scalar_one_or_none()
    if producer is None:
        raise RuleViolation(gettext("This producer does not exist."), status=404)
    return producer


def producers_of(account: Any) -> list[Producer]:
    """The producer records ``account`` applied for here (any status), newest first."""
    if account is None:
        return []
    return list(
        db.session.execute(
            sa.select(Producer).where(Producer.account_id == account.id).order_by(Producer.created_at.desc())
        ).scalars()
    )


def approved_producer(account: Any) -> Producer:
    """The account's approved producer here (what lets them manage products and offers)."""
    for producer in producers_of(account):
        if producer.status == ProducerStatus.APPROVED:
            return producer
    raise RuleViolation(
        gettext("Only an approved producer can do this: apply to sell first."),
        status=403,
    )


# --- products -----------------------------------------------------------------------------------


def clean_labels(labels: list[str] | str | None) -> str:
    if isinstance(labels, str):
        labels = labels.split(",")
    names = []
    for raw in labels or []:
        name = " ".join(str(raw).split())[:30]
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return ", ".join(names[:5])


def _money(value: Any, field: str) -> decimal.Decimal:
    try:
        amount = decimal.Decimal(str(value)).quantize(CENT, rounding=decimal.ROUND_HALF_UP)
    except (decimal.InvalidOperation, ValueError):
        raise RuleViolation(gettext("Give a price, e.g. 2.50."), status=422, field=field) from None
    if not decimal.Decimal(0) <= amount <= MAX_PRICE:
        raise RuleViolation(gettext("Give a price, e.g. 2.50."), status=422, field=field)
    return amount


def save_product(
    producer: Producer,
    product: Product | None,
    *,
    name: str,
    price: Any,
    unit: str = Units.KG,
    category: str = "",
    origin: str = "",
    labels: Any = None,
    active: bool = True,
) -> Product:
    if unit not in Units.ALL:
        raise RuleViolation(gettext("Choose one of the options listed."), status=422, field="unit")
    if product is None:
        product = Product(producer_id=producer.id)
        db.session.add(product)
    product.name = _text(name, 200, "name", required=True)
    product.price = _money(price, "price")
    product.unit = unit
    product.category = _text(category, 50, "category")
    product.origin = _text(origin, 200, "origin")
    product.labels = clean_labels(labels)
    product.active = bool(active)
    db.session.flush()
    return product


def products_of(producer: Producer) -> list[Product]:
    return list(
        db.session.execute(
            sa.select(Product).where(Product.producer_id == producer.id).order_by(Product.name)
        ).scalars()
    )


def get_product(product_id: uuid.UUID) -> Product:
    product = db.session.execute(sa.select(Product).where(Product.id == product_id)).scalar_one_or_none()
    if product is None:
        raise RuleViolation(gettext("This product does not exist."), status=404)
    return product


# --- market days, slots, offers -----------------------------------------------------------------


def window_open(day: MarketDay, now: dt.datetime) -> bool:
    """Pre-orders are taken from ``opens_at`` (included) to ``closes_at`` (excluded)."""
    return day.status == DayStatus.PUBLISHED and day.opens_at <= now < day.closes_at


def save_market_day(
    day: MarketDay | None,
    *,
    title: str,
    day_date: dt.date,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    place: str = "",
    status: str = DayStatus.DRAFT,
) -> MarketDay:
    if opens_at.tzinfo is None or closes_at.tzinfo is None:
        raise ValueError("window times are aware datetimes (to_utc() what a person typed)")
    if status not in DayStatus.ALL:
        raise RuleViolation(gettext("Choose one of the options listed."), status=422, field="status")
    if not dt.date(2000, 1, 1) <= day_date < dt.date(2100, 1, 1):
        raise RuleViolation(gettext("Give a date between 2000 and 2099."), field="day")
    if closes_at <= opens_at:
        raise RuleViolation(gettext("Pre-orders must close after they open."), field="closes_at")
    if to_local(closes_at, _tenant()).date() > day_date:
        raise RuleViolation(gettext("Pre-orders must close by the market day."), field="closes_at")
    if day is None:
        day = MarketDay()
        db.session.add(day)
    day.title = _text(title, 200, "title", required=True)
    day.day, day.opens_at, day.closes_at = day_date, opens_at, closes_at
    day.place, day.status = _text(place, 200, "place"), status
    db.session.flush()
    return day


def list_market_days(
    *, include_unpublished: bool = False, include_past: bool = False, now: dt.datetime | None = None
) -> list[MarketDay]:
    now = now or utcnow_aware()
    query = sa.select(MarketDay).order_by(MarketDay.day, MarketDay.opens_at)
    if not include_unpublished:
        query = query.where(MarketDay.status == DayStatus.PUBLISHED)
    if not include_past:
        query = query.where(MarketDay.day >= to_local(now, _tenant()).date())
    return list(db.session.execute(query).scalars())


def get_market_day(day_id: uuid.UUID, *, include_unpublished: bool = False) -> MarketDay:
    day = db.session.execute(sa.select(MarketDay).where(MarketDay.id == day_id)).scalar_one_or_none()
    if day is None or (day.status == DayStatus.DRAFT and not include_unpublished):
        raise RuleViolation(gettext("This market day does not exist."), status=404)
    return day


def save_slot(
    day: MarketDay, slot: PickupSlot | None, *, starts_at: dt.datetime, ends_at: dt.datetime, capacity: int
) -> PickupSlot:
    if ends_at <= starts_at:
        raise RuleViolation(gettext("The slot must end after it starts."), field="ends_at")
    if not 1 <= int(capacity) <= MAX_SLOT_CAPACITY:
        raise RuleViolation(
            gettext("Give between 1 and %(n)d orders.", n=MAX_SLOT_CAPACITY), status=422, field="capacity"
        )
    if slot is None:
        slot = PickupSlot(market_day_id=day.id, taken=0)
        db.session.add(slot)
    else:
        locked = db.session.execute(
            sa.select(PickupSlot)
            .where(PickupSlot.id == slot.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
        if int(capacity) < locked.taken:
            raise RuleViolation(
                gettext("%(n)d orders already use this slot: give at least that many.", n=locked.taken),
                field="capacity",
                code="capacity_below_taken",
            )
    slot.starts_at, slot.ends_at, slot.capacity = starts_at, ends_at, int(capacity)
    db.session.flush()
    return slot


def slots_of(day: MarketDay) -> list[PickupSlot]:
    return list(
        db.session.execute(
            sa.select(PickupSlot)
            .where(PickupSlot.tenant_id == day.tenant_id, PickupSlot.market_day_id == day.id)
            .order_by(PickupSlot.starts_at)
        ).scalars()
    )


def clean_quantity(
    value: Any,
    unit: str,
    field: str = "quantity",
    *,
    limit: decimal.Decimal = MAX_QUANTITY,
    allow_zero: bool = False,
) -> decimal.Decimal:
    """A quantity: positive, in thousandths, whole for pieces and bunches."""
    try:
        qty = decimal.Decimal(str(value).replace(",", ".")).quantize(
            THOUSANDTH, rounding=decimal.ROUND_HALF_UP
        )
    except (decimal.InvalidOperation, ValueError):
        raise RuleViolation(gettext("Give a quantity, e.g. 1.5."), status=422, field=field) from None
    if not qty.is_finite() or qty < 0 or (qty == 0 and not allow_zero) or qty > limit:
        raise RuleViolation(
            gettext("Give a quantity over 0 and at most %(n)s.", n=str(limit)),
            field=field,
            code="bad_quantity",
        )
    if unit in Units.WHOLE and qty != qty.to_integral_value():
        raise RuleViolation(gettext("This product is sold in whole pieces."), field=field, code="whole_units")
    return qty


def set_offer(day: MarketDay, product: Product, quantity: Any) -> Offer:
    """Offer a product at a market day with the quantity available (0 withdraws what is not
    ordered yet); never below what orders already hold."""
    producer = db.session.get(Producer, (product.tenant_id, product.producer_id))
    if producer.status != ProducerStatus.APPROVED:
        raise RuleViolation(
            gettext("Only an approved producer's products can be offered."), code="not_approved"
        )
    qty = clean_quantity(quantity, product.unit, limit=MAX_STOCK, allow_zero=True)
    offer = db.session.execute(
        sa.select(Offer)
        .where(Offer.market_day_id == day.id, Offer.product_id == product.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if offer is None:
        offer = Offer(market_day_id=day.id, product_id=product.id, producer_id=producer.id, reserved=0)
        db.session.add(offer)
    elif qty < offer.reserved:
        raise RuleViolation(
            gettext("Orders already hold %(n)s: offer at least that much.", n=_qty(offer.reserved)),
            field="quantity",
            code="below_reserved",
        )
    offer.quantity = qty
    db.session.flush()
    return offer


@dataclasses.dataclass
class OfferView:
    offer: Offer
    product: Product
    producer: Producer

    @property
    def available(self) -> decimal.Decimal:
        return max(self.offer.quantity - self.offer.reserved, decimal.Decimal(0))


def offers_of(day: MarketDay, *, sellable_only: bool = True, ids: Any = None) -> list[OfferView]:
    """The day's offers with product and producer, by producer then product; by default only
    those of approved producers and active products (``ids``: only these offers)."""
    tenant = day.tenant_id  # the key's first column, spelt out: see pick_rows
    query = (
        sa.select(Offer, Product, Producer)
        .join(Product, sa.and_(Product.tenant_id == Offer.tenant_id, Product.id == Offer.product_id))
        .join(Producer, sa.and_(Producer.tenant_id == Offer.tenant_id, Producer.id == Offer.producer_id))
        .where(
            Offer.tenant_id == tenant,
            Product.tenant_id == tenant,
            Producer.tenant_id == tenant,
            Offer.market_day_id == day.id,
        )
        .order_by(Producer.name, Product.name)
    )
    if sellable_only:
        query = query.where(Producer.status == ProducerStatus.APPROVED, Product.active.is_(True))
    if ids is not None:
        query = query.where(Offer.id.in_(list(ids)))
    return [OfferView(*row) for row in db.session.execute(query).all()]


# --- pre-orders ---------------------------------------------------------------------------------


def _qty(value: decimal.Decimal) -> str:
    return f"{value.normalize():f}"


def my_order(day: MarketDay, account: Any) -> Order | None:
    if account is None:
        return None
    return db.session.execute(
        sa.select(Order).where(
            Order.tenant_id == day.tenant_id, Order.market_day_id == day.id, Order.account_id == account.id
        )
    ).scalar_one_or_none()


def lines_of(order: Order) -> list[tuple[OrderLine, Offer, Product]]:
    return list(
        db.session.execute(
            sa.select(OrderLine, Offer, Product)
            .join(Offer, sa.and_(Offer.tenant_id == OrderLine.tenant_id, Offer.id == OrderLine.offer_id))
            .join(Product, sa.and_(Product.tenant_id == Offer.tenant_id, Product.id == Offer.product_id))
            .where(OrderLine.order_id == order.id)
            .order_by(Product.name)
        ).all()
    )


def _move_slot(slot_id: uuid.UUID, delta: int) -> bool:
    result = db.session.execute(
        sa.update(PickupSlot)
        .where(
            PickupSlot.id == slot_id,
            PickupSlot.taken + delta <= PickupSlot.capacity,
            PickupSlot.taken + delta >= 0,
        )
        .values(taken=PickupSlot.taken + delta)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _move_stock(offer_id: uuid.UUID, delta: decimal.Decimal) -> bool:
    result = db.session.execute(
        sa.update(Offer)
        .where(Offer.id == offer_id, Offer.reserved + delta <= Offer.quantity, Offer.reserved + delta >= 0)
        .values(reserved=Offer.reserved + delta)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def place_order(
    day_id: uuid.UUID,
    account: Any,
    *,
    slot_id: uuid.UUID,
    lines: dict[uuid.UUID, Any],
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Order:
    """Create or replace ``account``'s pre-order for a market day while its window is open.

    ``lines``: offer id -> quantity (0 or missing: not wanted). The stock and the slot are taken
    with conditional updates; a sold-out product or a full slot refuses the whole order."""
    now = now or utcnow_aware()
    if account is None:
        raise RuleViolation(gettext("Sign in to order."), status=401)
    day = get_market_day(day_id)
    if not window_open(day, now):
        raise RuleViolation(gettext("Pre-orders for this market day are not open."), code="window_closed")
    slot = db.session.execute(
        sa.select(PickupSlot).where(PickupSlot.id == slot_id, PickupSlot.market_day_id == day.id)
    ).scalar_one_or_none()
    if slot is None:
        raise RuleViolation(
            gettext("Choose one of the pick-up times listed."), field="slot_id", code="bad_slot"
        )
    if len(lines) > MAX_LINES:
        raise RuleViolation(gettext("Order at most %(n)d products.", n=MAX_LINES), field="lines")
    offers = {v.offer.id: v for v in offers_of(day, ids=lines.keys())}  # only the basket's
    wanted: dict[uuid.UUID, decimal.Decimal] = {}
    for offer_id, raw in lines.items():
        view = offers.get(offer_id)
        if view is None:
            raise RuleViolation(
                gettext("A product of the basket is not on offer."), field="lines", code="bad_offer"
            )
        qty = clean_quantity(raw, view.product.unit, allow_zero=True)
        if qty:
            wanted[offer_id] = qty
    if not wanted:
        raise RuleViolation(gettext("Choose at least one product."), field="lines", code="empty_basket")

    order = db.session.execute(
        sa.select(Order)
        .where(Order.market_day_id == day.id, Order.account_id == account.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if order is None:
        order = Order(
            market_day_id=day.id, account_id=account.id, slot_id=slot.id, status=OrderStatus.CONFIRMED
        )
        try:
            with db.session.begin_nested():
                db.session.add(order)
                db.session.flush()
        except sa.exc.IntegrityError:
            raise RuleViolation(
                gettext("You have just placed an order for this day: reload the page."), code="order_exists"
            ) from None
        old_slot, held = None, {}
    else:
        old_slot = order.slot_id if order.status == OrderStatus.CONFIRMED else None
        held = (
            {line.offer_id: line.quantity for line, _o, _p in lines_of(order)}
            if order.status == OrderStatus.CONFIRMED
            else {}
        )

    # slots first, in id order; then offers, in id order (no two transactions wait on each other)
    if old_slot != slot.id:
        for sid, delta in sorted(
            ([(slot.id, 1)] + ([(old_slot, -1)] if old_slot else [])), key=lambda p: p[0]
        ):
            if not _move_slot(sid, delta):
                raise RuleViolation(
                    gettext("This pick-up time is full: choose another."), field="slot_id", code="slot_full"
                )
    for offer_id in sorted(set(wanted) | set(held)):
        delta = wanted.get(offer_id, decimal.Decimal(0)) - held.get(offer_id, decimal.Decimal(0))
        if delta and not _move_stock(offer_id, delta):
            view = offers[offer_id]
            raise RuleViolation(
                gettext("Not enough %(product)s left: reduce the quantity.", product=view.product.name),
                field="lines",
                code="sold_out",
            )
    db.session.execute(
        sa.delete(OrderLine)
        .where(OrderLine.order_id == order.id)
        .execution_options(synchronize_session=False)
    )
    total = decimal.Decimal(0)
    for offer_id, qty in wanted.items():
        price = offers[offer_id].product.price
        db.session.add(OrderLine(order_id=order.id, offer_id=offer_id, quantity=qty, unit_price=price))
        total += (qty * price).quantize(CENT, rounding=decimal.ROUND_HALF_UP)
    was_new = not held and old_slot is None
    order.slot_id, order.status, order.total = slot.id, OrderStatus.CONFIRMED, total
    order.updated_at, order.cancelled_at, order.reminded_at = now, None, None
    order.customer_name = account.display_name or ""
    db.session.flush()
    db.session.expire_all()
    if notify:
        _order_mail(order, changed=not was_new)
    return order


def get_order(order_id: uuid.UUID) -> Order:
    order = db.session.execute(sa.select(Order).where(Order.id == order_id)).scalar_one_or_none()
    if order is None:
        raise RuleViolation(gettext("This order does not exist."), status=404)
    return order


def cancel_order(order: Order, account: Any, *, now: dt.datetime | None = None) -> None:
    """Give the basket and the slot back, until the window closes."""
    now = now or utcnow_aware()
    if account is None or order.account_id != account.id:
        raise RuleViolation(gettext("This order does not exist."), status=404)
    order = db.session.execute(
        sa.select(Order)
        .where(Order.id == order.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    day = db.session.get(MarketDay, (order.tenant_id, order.market_day_id))
    if order.status != OrderStatus.CONFIRMED:
        raise RuleViolation(gettext("This order is no longer active."), code="not_active")
    if not window_open(day, now):
        raise RuleViolation(
            gettext("Pre-orders have closed: the order can no longer be changed."), code="window_closed"
        )
    _move_slot(order.slot_id, -1)
    for line, _offer, _product in sorted(lines_of(order), key=lambda r: r[0].offer_id):
        _move_stock(line.offer_id, -line.quantity)
    order.status, order.cancelled_at, order.updated_at = OrderStatus.CANCELLED, now, now
    db.session.flush()
    db.session.expire_all()


def check_off(order: Order, *, collected: bool, now: dt.datetime | None = None) -> Order:
    """At pick-up: collected or not (staff), once the window has closed."""
    now = now or utcnow_aware()
    day = db.session.get(MarketDay, (order.tenant_id, order.market_day_id))
    if now < day.closes_at:
        raise RuleViolation(
            gettext("Orders are checked off once pre-orders have closed."), code="window_open"
        )
    if order.status == OrderStatus.CANCELLED:
        raise RuleViolation(gettext("This order was cancelled."), code="cancelled")
    order.status = OrderStatus.COLLECTED if collected else OrderStatus.NOT_COLLECTED
    order.checked_at = now
    db.session.flush()
    return order


def orders_of_account(account: Any) -> list[tuple[Order, MarketDay]]:
    return list(
        db.session.execute(
            sa.select(Order, MarketDay)
            .join(
                MarketDay,
                sa.and_(MarketDay.tenant_id == Order.tenant_id, MarketDay.id == Order.market_day_id),
            )
            .where(Order.account_id == account.id)
            .order_by(MarketDay.day.desc())
        ).all()
    )


@dataclasses.dataclass
class PickRow:
    order: Order
    slot: PickupSlot
    product: Product
    producer: Producer
    quantity: decimal.Decimal


def pick_rows(day: MarketDay, *, producer: Producer | None = None) -> list[PickRow]:
    """Every line of the day's active orders, by slot, producer, customer and product.

    Five queries whatever the number of orders, each naming ``tenant_id`` itself: the row-level
    security policy (``tenant_id = setting OR current_user IN (hashed SubPlan)``) is an OR that
    no index matches, so without the explicit predicate PostgreSQL scanned the tables and, for a
    six-table join, chose nested loops that ran for minutes at 3,000 orders. With it every read
    is an index range on a key that starts with ``tenant_id``; the lines come as plain columns
    (no ORM objects) through a semi-join on the day's orders, and are joined here."""
    tenant = day.tenant_id
    holding = sa.and_(
        Order.tenant_id == tenant, Order.market_day_id == day.id, Order.status.in_(OrderStatus.HOLDING)
    )
    orders = {o.id: o for o in db.session.execute(sa.select(Order).where(holding)).scalars()}
    slots = {s.id: s for s in slots_of(day)}
    offers = {v.offer.id: v for v in offers_of(day, sellable_only=False)}
    if producer is not None:
        offers = {k: v for k, v in offers.items() if v.producer.id == producer.id}
    lines = db.session.execute(
        sa.select(OrderLine.order_id, OrderLine.offer_id, OrderLine.quantity).where(
            OrderLine.tenant_id == tenant,
            OrderLine.order_id.in_(sa.select(Order.id).where(holding)),
        )
    ).all()
    rows = []
    for order_id, offer_id, quantity in lines:
        view = offers.get(offer_id)
        order = orders.get(order_id)
        if view is None or order is None:
            continue
        rows.append(PickRow(order, slots[order.slot_id], view.product, view.producer, quantity))
    rows.sort(
        key=lambda r: (
            r.slot.starts_at,
            r.producer.name,
            r.order.customer_name,
            str(r.order.id),
            r.product.name,
        )
    )
    return rows


def pick_list(day: MarketDay, *, producer: Producer | None = None) -> dict[str, Any]:
    """The printable pick list: per producer, per slot, the orders' lines; totals per product."""
    rows = pick_rows(day, producer=producer)
    by_producer: dict[uuid.UUID, dict[str, Any]] = {}
    totals: dict[uuid.UUID, dict[str, Any]] = {}
    for row in rows:
        entry = by_producer.setdefault(row.producer.id, {"producer": row.producer, "slots": {}})
        slot = entry["slots"].setdefault(row.slot.id, {"slot": row.slot, "rows": []})
        slot["rows"].append(row)
        total = totals.setdefault(
            row.product.id, {"product": row.product, "producer": row.producer, "quantity": decimal.Decimal(0)}
        )
        total["quantity"] += row.quantity
    return {
        "producers": [
            {"producer": e["producer"], "slots": list(e["slots"].values())} for e in by_producer.values()
        ],
        "totals": sorted(totals.values(), key=lambda t: (t["producer"].name, t["product"].name)),
        "orders": sorted(
            {r.order.id: r.order for r in rows}.values(), key=lambda o: (o.customer_name, str(o.id))
        ),
    }


def order_dict(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "market_day_id": order.market_day_id,
        "slot_id": order.slot_id,
        "status": order.status,
        "total": float(order.total),
        "updated_at": order.updated_at,
        "lines": [
            {
                "offer_id": line.offer_id,
                "product": product.name,
                "unit": product.unit,
                "quantity": float(line.quantity),
                "unit_price": float(line.unit_price),
            }
            for line, _offer, product in lines_of(order)
        ],
    }


# --- mail ---------------------------------------------------------------------------------------


def _link(path: str) -> str:
    return external_url(_tenant().primary_host, path)


def mail_locale(account: Any) -> str:
    tenant = _tenant()
    return account.locale if account.locale in tenant.locales else tenant.default_locale


def _mail_account(account_id: int | None, *, subject: Any, lines: Any, kind: str | None = None) -> bool:
    account = db.session.get(Account, account_id) if account_id else None
    if account is None or not account.email:
        return False
    tenant = _tenant()
    with force_locale(mail_locale(account)):
        paragraphs = [
            gettext("Hello %(name)s,", name=account.display_name),
            *(p for p in lines() if p),
            tenant.name,
        ]
        mail = Mail(to=[account.email], subject=f"{subject()} · {tenant.name}", text="\n\n".join(paragraphs))
        if kind is not None:  # a notification: the person's settings decide (now, digest, off)
            return notify(account.id, kind, mail) != "off"
        send_mail(mail)
    return True


def _slot_text(slot: PickupSlot) -> str:
    tenant = _tenant()
    locale = get_locale() or tenant.default_locale
    start, end = to_local(slot.starts_at, tenant), to_local(slot.ends_at, tenant)
    return (
        f"{babel_dates.format_date(start, 'full', locale=locale)}, "
        f"{babel_dates.format_time(start, 'short', locale=locale)}–{babel_dates.format_time(end, 'short', locale=locale)}"
    )


def _order_mail(order: Order, *, changed: bool) -> None:
    day = db.session.get(MarketDay, (order.tenant_id, order.market_day_id))
    slot = db.session.get(PickupSlot, (order.tenant_id, order.slot_id))
    rows = lines_of(order)

    def lines() -> list[str]:
        basket = "\n".join(
            f"- {product.name}: {_qty(line.quantity)} {unit_label(product.unit)} × {line.unit_price}"
            for line, _o, product in rows
        )
        return [
            gettext("Your pre-order for %(title)s is confirmed.", title=day.title),
            basket,
            gettext("Total: %(total)s, paid at pick-up.", total=f"{order.total:.2f}"),
            gettext("Pick up: %(when)s, %(place)s", when=_slot_text(slot), place=day.place),
            gettext(
                "You can change or cancel it until pre-orders close: %(link)s",
                link=_link(f"/markets/days/{day.id}"),
            ),
        ]

    _mail_account(
        order.account_id,
        subject=(lambda: gettext("Pre-order changed: %(title)s", title=day.title))
        if changed
        else (lambda: gettext("Pre-order confirmed: %(title)s", title=day.title)),
        lines=lines,
    )


def unit_label(unit: str) -> str:
    return {
        Units.KG: gettext("kg"),
        Units.PIECE: gettext("pcs"),
        Units.BUNCH: gettext("bunch"),
        Units.LITRE: gettext("l"),
    }.get(unit, unit)


def totals_by_slot(day: MarketDay) -> dict[uuid.UUID, int]:
    found: dict[uuid.UUID, int] = defaultdict(int)
    for slot in slots_of(day):
        found[slot.id] = slot.taken
    return found


REMIND_HOURS = 24


def send_reminders(now: dt.datetime | None = None) -> int:
    """Remind each buyer once, within a day of their pick-up slot. ``reminded_at`` is set in the
    transaction that queues the mail; rows another run is reminding are skipped (SKIP LOCKED)."""
    now = now or utcnow_aware()
    due = db.session.execute(
        sa.select(Order, PickupSlot, MarketDay)
        .join(PickupSlot, sa.and_(PickupSlot.tenant_id == Order.tenant_id, PickupSlot.id == Order.slot_id))
        .join(MarketDay, sa.and_(MarketDay.tenant_id == Order.tenant_id, MarketDay.id == Order.market_day_id))
        .where(
            Order.status == OrderStatus.CONFIRMED,
            Order.reminded_at.is_(None),
            Order.account_id.is_not(None),
            MarketDay.status == DayStatus.PUBLISHED,
            PickupSlot.starts_at > now,
            PickupSlot.starts_at <= now + dt.timedelta(hours=REMIND_HOURS),
        )
        .with_for_update(of=Order, skip_locked=True)
    ).all()
    sent = 0
    for order, slot, day in due:
        sent += _mail_account(
            order.account_id,
            subject=lambda d=day: gettext("Reminder: pick up your order at %(title)s", title=d.title),
            lines=lambda d=day, s=slot, o=order: [
                gettext("Pick up: %(when)s, %(place)s", when=_slot_text(s), place=d.place),
                gettext("Total: %(total)s, paid at pick-up.", total=f"{o.total:.2f}"),
            ],
            kind="markets.pickup_reminder",
        )
        order.reminded_at = now
    db.session.flush()
    return sent


#: What this plugin mails as notifications (each person chooses: immediately, daily digest, off);
#: everything else it mails answers the person's own request (transactional) and always goes.
NOTIFICATION_KINDS = (
    NotificationKind(
        "markets.pickup_reminder",
        lazy_gettext("Reminders to pick up my pre-orders"),
        lazy_gettext("The day before the pick-up slot of a pre-order."),
    ),
    NotificationKind(
        "markets.renewal_reminder",
        lazy_gettext("Reminders to renew my social grocery application"),
        lazy_gettext("Before your household's eligibility for the social grocery ends."),
    ),
)
RENEWAL_REMINDER = "markets.renewal_reminder"
