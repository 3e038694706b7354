"""The API, at ``/api/v1/markets/``: market days for everyone; producers manage their products
and offers, citizens place pre-orders and households spend credits, with a personal access
token. A broken rule answers 409 as problem+json; 422 only for what the schemas refuse."""

import base64
import binascii

from flask.views import MethodView

from core.toolkit import (
    ApiBlueprint,
    RuleViolation,
    current_account,
    db,
    gettext,
    has_permission,
    require_permission,
    utcnow_aware,
)
from plugins.markets import distribution, grocery, photos, schemas, services, shares
from plugins.markets.models import Producer

api = ApiBlueprint(
    "markets_api",
    __name__,
    description="Solidarity markets (market days, products, offers, pre-orders) and the social grocery.",
)

MANAGE = "markets.manage"
ORDER = "markets.order"
PRODUCER = "markets.producer"
RULE = "A rule of the domain refuses it (e.g. sold out, the window closed); `detail` says which, `code` names it."


def _manager() -> bool:
    return has_permission(MANAGE)


def offer_dict(view: services.OfferView) -> dict:
    return {
        "id": view.offer.id,
        "product_id": view.product.id,
        "product": view.product.name,
        "producer_id": view.producer.id,
        "producer": view.producer.name,
        "unit": view.product.unit,
        "price": float(view.product.price),
        "labels": [x.strip() for x in view.product.labels.split(",") if x.strip()],
        "quantity": float(view.offer.quantity),
        "available": float(view.available),
    }


def _slot_dict(slot) -> dict:
    return {
        "id": slot.id,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "capacity": slot.capacity,
        "taken": slot.taken,
    }


def day_dict(day, *, full: bool = True) -> dict:
    data = {
        "id": day.id,
        "title": day.title,
        "day": day.day,
        "place": day.place,
        "opens_at": day.opens_at,
        "closes_at": day.closes_at,
        "status": day.status,
        "open_now": services.window_open(day, utcnow_aware()),
    }
    if full:
        data["slots"] = [_slot_dict(s) for s in services.slots_of(day)]
        data["offers"] = [offer_dict(v) for v in services.offers_of(day)]
    return data


def product_dict(p, photo: tuple[int, int, int] | None = None) -> dict:
    return {
        "id": p.id,
        "producer_id": p.producer_id,
        "name": p.name,
        "category": p.category,
        "unit": p.unit,
        "price": float(p.price),
        "origin": p.origin,
        "labels": [x.strip() for x in p.labels.split(",") if x.strip()],
        "active": p.active,
        "photo_url": photos.photo_url(p.id, photo[2]) if photo else None,
    }


def _own_product(product_id):
    producer = services.approved_producer(current_account())
    product = services.get_product(product_id)
    if product.producer_id != producer.id:
        raise RuleViolation(gettext("This product does not exist."), status=404)
    return producer, product


@api.route("/days")
class Days(MethodView):
    @api.response(200, schemas.MarketDaySchema(many=True))
    def get(self):
        """Market days to come (drafts too for the market's staff), soonest first."""
        return [day_dict(d, full=False) for d in services.list_market_days(include_unpublished=_manager())]

    @api.arguments(schemas.MarketDaySchema)
    @api.response(201, schemas.MarketDaySchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data):
        """Create a market day (market staff); pre-orders between ``opens_at`` and ``closes_at``."""
        day = services.save_market_day(
            None,
            title=data["title"],
            day_date=data["day"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            place=data["place"],
            status=data["status"],
        )
        answer = day_dict(day)
        db.session.commit()
        return answer


@api.route("/days/<uuid:day_id>")
class DayItem(MethodView):
    @api.response(200, schemas.MarketDaySchema)
    def get(self, day_id):
        """A market day with its pick-up slots and the offers still sellable."""
        return day_dict(services.get_market_day(day_id, include_unpublished=_manager()))


@api.route("/days/<uuid:day_id>/slots")
class DaySlots(MethodView):
    @api.arguments(schemas.SlotSchema)
    @api.response(201, schemas.SlotSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data, day_id):
        """Add a pick-up slot (market staff)."""
        day = services.get_market_day(day_id, include_unpublished=True)
        slot = services.save_slot(day, None, **data)
        answer = _slot_dict(slot)
        db.session.commit()
        return answer


@api.route("/days/<uuid:day_id>/offers/<uuid:product_id>")
class DayOffer(MethodView):
    @api.arguments(schemas.OfferSetSchema)
    @api.response(200, schemas.OfferSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(PRODUCER)
    def put(self, data, day_id, product_id):
        """Offer one of your products at a market day with the quantity available (approved
        producers; market staff for any producer). Never below what orders hold."""
        day = services.get_market_day(day_id, include_unpublished=_manager())
        product = services.get_product(product_id)
        if not _manager() and services.approved_producer(current_account()).id != product.producer_id:
            raise RuleViolation(gettext("This product does not exist."), status=404)
        offer = services.set_offer(day, product, data["quantity"])
        producer = db.session.get(Producer, (product.tenant_id, product.producer_id))
        answer = offer_dict(services.OfferView(offer, product, producer))
        db.session.commit()
        return answer


@api.route("/days/<uuid:day_id>/order")
class DayOrder(MethodView):
    @api.response(200, schemas.OrderSchema)
    @require_permission(ORDER)
    def get(self, day_id):
        """Your pre-order for this market day (404 if you have none)."""
        order = services.my_order(services.get_market_day(day_id), current_account())
        if order is None:
            raise RuleViolation(gettext("This order does not exist."), status=404)
        return services.order_dict(order)

    @api.arguments(schemas.OrderInSchema)
    @api.response(200, schemas.OrderSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(ORDER)
    def put(self, data, day_id):
        """Place or replace your pre-order while the window is open: the basket and the pick-up
        slot. All or nothing: a sold-out product or a full slot refuses it (409)."""
        lines = {}
        for line in data["lines"]:
            lines[line["offer_id"]] = lines.get(line["offer_id"], 0) + line["quantity"]
        order = services.place_order(day_id, current_account(), slot_id=data["slot_id"], lines=lines)
        answer = services.order_dict(order)
        db.session.commit()
        return answer

    @api.response(204)
    @api.alt_response(409, description=RULE)
    @require_permission(ORDER)
    def delete(self, day_id):
        """Cancel your pre-order, until the window closes."""
        order = services.my_order(services.get_market_day(day_id), current_account())
        if order is None:
            raise RuleViolation(gettext("This order does not exist."), status=404)
        services.cancel_order(order, current_account())
        db.session.commit()


@api.route("/days/<uuid:day_id>/picklist")
class DayPickList(MethodView):
    @api.response(200, schemas.PickListSchema)
    @require_permission(PRODUCER)
    def get(self, day_id):
        """The pick list: every line of the active orders and the totals per product (market staff
        see all; an approved producer only their own products)."""
        day = services.get_market_day(day_id, include_unpublished=_manager())
        producer = None if _manager() else services.approved_producer(current_account())
        data = services.pick_list(day, producer=producer)
        lines = [
            {
                "order_id": r.order.id,
                "slot_id": r.slot.id,
                "customer": r.order.customer_name,
                "producer": r.producer.name,
                "product": r.product.name,
                "quantity": float(r.quantity),
                "status": r.order.status,
            }
            for e in data["producers"]
            for s in e["slots"]
            for r in s["rows"]
        ]
        totals = [
            {
                "product": t["product"].name,
                "producer": t["producer"].name,
                "unit": t["product"].unit,
                "quantity": float(t["quantity"]),
            }
            for t in data["totals"]
        ]
        return {"lines": lines, "totals": totals}


@api.route("/products")
class Products(MethodView):
    @api.response(200, schemas.ProductSchema(many=True))
    @require_permission(PRODUCER)
    def get(self):
        """Your products (approved producers)."""
        products = services.products_of(services.approved_producer(current_account()))
        sizes = photos.photo_sizes(p.id for p in products)
        return [product_dict(p, sizes.get(p.id)) for p in products]

    @api.arguments(schemas.ProductSchema)
    @api.response(201, schemas.ProductSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(PRODUCER)
    def post(self, data):
        """Add a product (approved producers)."""
        producer = services.approved_producer(current_account())
        product = services.save_product(producer, None, **data)
        answer = product_dict(product)
        db.session.commit()
        return answer


@api.route("/products/<uuid:product_id>")
class ProductItem(MethodView):
    @api.arguments(schemas.ProductSchema)
    @api.response(200, schemas.ProductSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(PRODUCER)
    def put(self, data, product_id):
        """Change one of your products."""
        producer, product = _own_product(product_id)
        services.save_product(producer, product, **data)
        answer = product_dict(product, photos.photo_sizes([product.id]).get(product.id))
        db.session.commit()
        return answer


@api.route("/products/<uuid:product_id>/photo")
class ProductPhoto(MethodView):
    @api.arguments(schemas.PhotoInSchema)
    @api.response(200, schemas.PhotoSchema)
    @require_permission(PRODUCER)
    def put(self, data, product_id):
        """Set the photo of one of your products: PNG, JPEG or WebP (by content), at most the
        municipality's size; resized, its metadata (EXIF, location) removed. 422 otherwise."""
        _producer, product = _own_product(product_id)
        try:
            content = base64.b64decode(data["content"], validate=True)
        except (binascii.Error, ValueError):
            raise RuleViolation(
                gettext("The photo must be a PNG, JPEG or WebP image."), status=422, field="content"
            ) from None
        photo = photos.set_photo(product, content, max_kb=services.settings()["max_photo_kb"])
        answer = {
            "url": photos.photo_url(product.id, int(photo.uploaded_at.timestamp())),
            "content_type": photo.content_type,
            "width": photo.width,
            "height": photo.height,
            "size": photo.size,
        }
        db.session.commit()
        return answer

    @api.response(204)
    @require_permission(PRODUCER)
    def delete(self, product_id):
        """Remove the photo of one of your products (204 also when it had none)."""
        _producer, product = _own_product(product_id)
        photos.remove_photo(product)
        db.session.commit()


@api.route("/orders/mine")
class MyOrders(MethodView):
    @api.response(200, schemas.OrderSchema(many=True))
    @require_permission(ORDER)
    def get(self):
        """Your pre-orders here, latest market day first."""
        return [services.order_dict(o) for o, _d in services.orders_of_account(current_account())]


def _item_dict(i) -> dict:
    return {
        "id": i.id,
        "name": i.name,
        "category": i.category,
        "unit": i.unit,
        "credits": i.credits,
        "stock": i.stock,
    }


@api.route("/grocery/items")
class GroceryItems(MethodView):
    @api.response(200, schemas.GroceryItemSchema(many=True))
    @require_permission(ORDER)
    def get(self):
        """The social grocery's products, their price in credits and the stock."""
        return [_item_dict(i) for i in grocery.items()]

    @api.arguments(schemas.GroceryItemInSchema)
    @api.response(201, schemas.GroceryItemSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data):
        """Add a product to the grocery's shelves (market staff), with no stock yet."""
        item = grocery.save_item(None, **data)
        answer = _item_dict(item)
        db.session.commit()
        return answer


@api.route("/grocery/items/<uuid:item_id>")
class GroceryItem(MethodView):
    @api.arguments(schemas.GroceryItemInSchema)
    @api.response(200, schemas.GroceryItemSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def put(self, data, item_id):
        """Change a product of the grocery (market staff); the stock is not changed here."""
        item = grocery.save_item(grocery.get_item(item_id), **data)
        answer = _item_dict(item)
        db.session.commit()
        return answer


@api.route("/grocery/donations")
class GroceryDonations(MethodView):
    @api.arguments(schemas.DonationInSchema)
    @api.response(201, schemas.DonationSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data):
        """Record stock received, a donation or a purchase (market staff): the stock grows."""
        item = grocery.get_item(data.pop("item_id"))
        donation = grocery.record_donation(item, staff=current_account(), **data)
        answer = {
            "id": donation.id,
            "item_id": item.id,
            "donor_kind": donation.donor_kind,
            "donor_name": donation.donor_name,
            "quantity": donation.quantity,
            "kilos": float(donation.kilos),
            "received_on": donation.received_on,
            "stock": item.stock,
        }
        db.session.commit()
        return answer


@api.route("/grocery/redemptions")
class GroceryRedemptions(MethodView):
    @api.arguments(schemas.RedemptionInSchema)
    @api.response(201, schemas.RedemptionSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(ORDER)
    def post(self, data):
        """Order from the social grocery with your household's credits (eligible households; 403
        otherwise). Refused when the credits or the stock do not suffice (409)."""
        household = grocery.household_of(current_account())
        if household is None:
            raise RuleViolation(gettext("This household is not eligible at the moment."), status=403)
        redemption, balance = grocery.redeem(household, data["item_id"], data["quantity"])
        answer = {
            "id": redemption.id,
            "item_id": redemption.item_id,
            "quantity": redemption.quantity,
            "credits": redemption.credits,
            "balance": balance,
        }
        db.session.commit()
        return answer


def _distribution_dict(day) -> dict:
    return {
        "id": day.id,
        "day": day.day,
        "place": day.place,
        "slots": [
            {
                "id": s.id,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "capacity": s.capacity,
                "taken": s.taken,
            }
            for s in distribution.slots_of(day)
        ],
    }


def _order_dict(row: dict, *, staff: bool = False) -> dict:
    order = row["order"]
    data = {
        "id": order.id,
        "distribution_day_id": order.distribution_day_id,
        "slot_id": order.slot_id,
        "credits": order.credits,
        "collected": order.collected_at is not None,
        "lines": [{"item": name, "quantity": n} for name, n in row["lines"]],
    }
    if staff:
        data.update(household_id=row["household"].id, household=row["household"].name)
    return data


def _lines_in(rows) -> dict:
    lines: dict = {}
    for row in rows:
        lines[row["item_id"]] = lines.get(row["item_id"], 0) + row["quantity"]
    return lines


@api.route("/grocery/distribution-days")
class DistributionDays(MethodView):
    @api.response(200, schemas.DistributionDaySchema(many=True))
    @require_permission(ORDER)
    def get(self):
        """The social grocery's distribution days to come, with their slots."""
        return [_distribution_dict(d) for d in distribution.upcoming()]

    @api.arguments(schemas.DistributionDaySchema)
    @api.response(201, schemas.DistributionDaySchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data):
        """Announce a distribution day (market staff); add its slots next."""
        day = distribution.save_day(data["day"], place=data["place"])
        answer = _distribution_dict(day)
        db.session.commit()
        return answer


@api.route("/grocery/distribution-days/<uuid:day_id>/slots")
class DistributionSlots(MethodView):
    @api.arguments(schemas.DistributionSlotSchema)
    @api.response(201, schemas.DistributionSlotSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data, day_id):
        """Add a pick-up slot with the number of households it serves (market staff)."""
        slot = distribution.add_slot(distribution.get_day(day_id), **data)
        answer = {
            "id": slot.id,
            "starts_at": slot.starts_at,
            "ends_at": slot.ends_at,
            "capacity": slot.capacity,
            "taken": slot.taken,
        }
        db.session.commit()
        return answer


@api.route("/grocery/distribution-days/<uuid:day_id>/order")
class DistributionOrder(MethodView):
    @api.arguments(schemas.GroceryOrderInSchema)
    @api.response(201, schemas.GroceryOrderSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(ORDER)
    def put(self, data, day_id):
        """Order for a distribution day with your household's credits (eligible households; 403
        otherwise). One order per household and day; refused whole (409) when the slot is
        full or the credits or the stock do not suffice."""
        household = grocery.household_of(current_account())
        if household is None:
            raise RuleViolation(gettext("This household is not eligible at the moment."), status=403)
        order = distribution.place_order(
            household, day_id, slot_id=data["slot_id"], lines=_lines_in(data["lines"])
        )
        answer = _order_dict(distribution.order_of_day(distribution.get_day(day_id), order.id))
        db.session.commit()
        return answer

    @api.response(204)
    @api.alt_response(404, description=RULE)
    @api.alt_response(409, description=RULE)
    @require_permission(ORDER)
    def delete(self, day_id):
        """Cancel your household's order until the day starts in the municipality's zone (409
        after): the place, the credits and the stock come back, once."""
        household = grocery.household_of(current_account())
        if household is None:
            raise RuleViolation(gettext("Your household has no order for this day."), status=404)
        distribution.cancel_order(household, day_id)
        db.session.commit()
        return ""


@api.route("/grocery/distribution-days/<uuid:day_id>/orders")
class DistributionDayOrders(MethodView):
    @api.response(200, schemas.DayOrderSchema(many=True))
    @require_permission(MANAGE)
    def get(self, day_id):
        """The day's orders to hand over, by slot, with their households and lines (market
        staff; cancelled orders are not listed)."""
        day = distribution.get_day(day_id)
        return [_order_dict(row, staff=True) for row in distribution.orders_of_day(day)]


@api.route("/grocery/distribution-days/<uuid:day_id>/orders/<uuid:order_id>/cancellation")
class DistributionOrderCancellation(MethodView):
    @api.arguments(schemas.OrderCancellationInSchema)
    @api.response(200, schemas.OrderCancellationSchema)
    @api.alt_response(404, description=RULE)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data, day_id, order_id):
        """Cancel a household's order (market staff), until it is handed over (409 ``collected``
        after), the day itself included: the place, the credits and the stock come back, once,
        and the household is mailed the reason in its language."""
        day = distribution.get_day(day_id)
        _order, household = distribution.cancel_for_household(
            day, order_id, staff=current_account(), reason=data["reason"]
        )
        told = distribution.mail_cancelled_by_staff(household, day, data["reason"].strip())
        db.session.commit()
        return {"id": order_id, "household_told": told}


@api.route("/grocery/handouts")
class Handouts(MethodView):
    @api.arguments(schemas.HandoutInSchema)
    @api.response(201, schemas.HandoutSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data):
        """Record goods handed over at the counter to an eligible household, paid with its
        credits (market staff); refused whole (409) when credits or stock do not suffice."""
        household = distribution.get_household(data["household_id"])
        balance = distribution.record_handout(household, _lines_in(data["lines"]), staff=current_account())
        db.session.commit()
        return {"balance": balance}


def _plan_dict(plan) -> dict:
    return {
        "id": plan.id,
        "producer_id": plan.producer_id,
        "name": plan.name,
        "description": plan.description,
        "price": float(plan.price),
        "price_per": plan.price_per,
        "frequency": plan.frequency,
        "season_start": plan.season_start,
        "season_end": plan.season_end,
        "shares": plan.shares,
        "available": plan.shares - plan.taken,
    }


def _subscription_dict(sub) -> dict:
    return {
        "id": sub.id,
        "plan_id": sub.plan_id,
        "paused_weeks": sorted(shares.paused_weeks(sub)),
        "pickups": [{"week": w, "slot_id": s} for w, s in sorted(shares.pickups(sub).items())],
    }


def _my_subscription(plan_id):
    sub = shares.subscription_of(shares.get_plan(plan_id), current_account())
    if sub is None:
        raise RuleViolation(gettext("You have no share of this."), status=404)
    return sub


@api.route("/shares")
class SharePlans(MethodView):
    @api.response(200, schemas.SharePlanSchema(many=True))
    def get(self):
        """Season shares (community-supported agriculture) of the approved producers."""
        return [_plan_dict(p) for p, _producer in shares.plans()]

    @api.arguments(schemas.SharePlanSchema)
    @api.response(201, schemas.SharePlanSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(PRODUCER)
    def post(self, data):
        """Offer season shares (approved producers): a box a week or a fortnight, a number of shares."""
        plan = shares.save_plan(services.approved_producer(current_account()), **data)
        answer = _plan_dict(plan)
        db.session.commit()
        return answer


@api.route("/shares/<uuid:plan_id>/subscription")
class ShareSubscriptionItem(MethodView):
    @api.response(201, schemas.ShareSubscriptionSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(ORDER)
    def post(self, plan_id):
        """Take a share (409 when none is left, the season is over, or you have one)."""
        sub = shares.subscribe(plan_id, current_account())
        answer = _subscription_dict(sub)
        db.session.commit()
        return answer

    @api.response(204)
    @api.alt_response(404, description=RULE)
    @require_permission(ORDER)
    def delete(self, plan_id):
        """Cancel your share: it is freed for someone else, and the pick-up places you chose
        for the weeks to come are given back (404 when you have none)."""
        shares.cancel(_my_subscription(plan_id))
        db.session.commit()
        return ""


@api.route("/shares/<uuid:plan_id>/subscription/pickups")
class SharePickups(MethodView):
    @api.arguments(schemas.SharePickupInSchema)
    @api.response(200, schemas.ShareSubscriptionSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(ORDER)
    def put(self, data, plan_id):
        """Choose the slot of that week's market day where you pick your box up (409 when the
        slot is full, the week paused or over; choosing again moves your place)."""
        sub = _my_subscription(plan_id)
        shares.choose_slot(sub, data["week"], data["slot_id"])
        answer = _subscription_dict(sub)
        db.session.commit()
        return answer


@api.route("/shares/<uuid:plan_id>/subscription/pauses")
class SharePauses(MethodView):
    @api.arguments(schemas.SharePauseInSchema)
    @api.response(200, schemas.ShareSubscriptionSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(ORDER)
    def post(self, data, plan_id):
        """Pause the box of one week of your share (a box week not over yet)."""
        sub = _my_subscription(plan_id)
        shares.pause(sub, data["week"])
        answer = _subscription_dict(sub)
        db.session.commit()
        return answer


@api.route("/shares/<uuid:plan_id>/boxes")
class ShareBoxes(MethodView):
    @api.response(200, schemas.ShareBoxWeekSchema(many=True))
    @require_permission(PRODUCER)
    def get(self, plan_id):
        """Each box week of your plan: its market day, how many boxes and for whom."""
        plan = shares.get_plan(plan_id)
        if not _manager() and plan.producer_id != services.approved_producer(current_account()).id:
            raise RuleViolation(gettext("These season shares do not exist."), status=404)
        return [
            {
                "week": b["week"],
                "market_day_id": b["market_day"].id if b["market_day"] else None,
                "boxes": len(b["subscribers"]),
                "paused": b["paused"],
                "subscribers": [s.name for s in b["subscribers"]],
            }
            for b in shares.boxes(plan)
        ]
