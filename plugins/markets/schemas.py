"""The API's schemas (explicit field lists) and the per-municipality settings (the admin's form
is generated from ``SettingsSchema``)."""

from marshmallow import Schema, fields, validate

from core.toolkit import JSONBoolean, UTCDateTimeField, lazy_gettext
from plugins.markets.distribution import CANCEL_REASON_MAX
from plugins.markets.models import DayStatus, OrderStatus, ProducerStatus, Units


class SettingsSchema(Schema):
    """What each municipality decides (``plugin_settings("markets")``)."""

    max_document_kb = fields.Integer(
        load_default=5120,
        validate=validate.Range(min=100, max=20480),
        metadata={
            "title": lazy_gettext("Largest producer document, kB"),
            "description": lazy_gettext("Licences and certificates larger than this are refused."),
        },
    )
    max_photo_kb = fields.Integer(
        load_default=4096,
        validate=validate.Range(min=100, max=20480),
        metadata={
            "title": lazy_gettext("Largest product photo, kB"),
            "description": lazy_gettext(
                "Photos are resized for the market's pages; larger files are refused."
            ),
        },
    )
    credits_base = fields.Integer(
        load_default=60,
        validate=validate.Range(min=0, max=10000),
        metadata={
            "title": lazy_gettext("Social grocery: credits per household per month"),
            "description": lazy_gettext("Every eligible household gets this many credits each month."),
        },
    )
    credits_per_member = fields.Integer(
        load_default=20,
        validate=validate.Range(min=0, max=10000),
        metadata={
            "title": lazy_gettext("Social grocery: extra credits per household member"),
            "description": lazy_gettext("Added for each member of the household beyond the first."),
        },
    )
    income_threshold = fields.Integer(
        load_default=600,
        validate=validate.Range(min=0, max=100000),
        metadata={
            "title": lazy_gettext("Social grocery: monthly income threshold (per household)"),
            "description": lazy_gettext("Applications above it are flagged to the validator."),
        },
    )
    eligibility_months = fields.Integer(
        load_default=6,
        validate=validate.Range(min=1, max=24),
        metadata={
            "title": lazy_gettext("Social grocery: months an eligibility decision lasts"),
            "description": lazy_gettext("After this the household renews its application."),
        },
    )
    renewal_notice_days = fields.Integer(
        load_default=14,
        validate=validate.Range(min=1, max=60),
        metadata={
            "title": lazy_gettext("Social grocery: days of notice before eligibility ends"),
            "description": lazy_gettext(
                "Households are told this many days ahead that their eligibility ends, to apply again."
            ),
        },
    )
    statistics_threshold = fields.Integer(
        load_default=5,
        validate=validate.Range(min=3, max=50),
        metadata={
            "title": lazy_gettext("Public statistics: smallest count shown"),
            "description": lazy_gettext("Smaller counts are shown as fewer than this number."),
        },
    )


class SlotSchema(Schema):
    id = fields.UUID(dump_only=True)
    starts_at = UTCDateTimeField(required=True)
    ends_at = UTCDateTimeField(required=True)
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    taken = fields.Integer(dump_only=True)


class OfferSchema(Schema):
    id = fields.UUID(required=True)
    product_id = fields.UUID(required=True)
    product = fields.String(required=True)
    producer_id = fields.UUID(required=True)
    producer = fields.String(required=True)
    unit = fields.String(required=True, validate=validate.OneOf(Units.ALL))
    price = fields.Float(required=True)
    labels = fields.List(fields.String(), required=True)
    quantity = fields.Float(required=True)
    available = fields.Float(required=True)


class MarketDaySchema(Schema):
    id = fields.UUID(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    day = fields.Date(required=True)
    place = fields.String(load_default="", validate=validate.Length(max=200))
    opens_at = UTCDateTimeField(required=True)
    closes_at = UTCDateTimeField(required=True)
    status = fields.String(load_default=DayStatus.DRAFT, validate=validate.OneOf(DayStatus.ALL))
    open_now = fields.Boolean(dump_only=True)
    slots = fields.List(fields.Nested(SlotSchema), dump_only=True)
    offers = fields.List(fields.Nested(OfferSchema), dump_only=True)


class ProductSchema(Schema):
    id = fields.UUID(dump_only=True)
    producer_id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(load_default="", validate=validate.Length(max=50))
    unit = fields.String(load_default=Units.KG, validate=validate.OneOf(Units.ALL))
    price = fields.Float(required=True, validate=validate.Range(min=0, max=99999.99))
    origin = fields.String(load_default="", validate=validate.Length(max=200))
    labels = fields.List(
        fields.String(validate=validate.Length(max=30)), load_default=list, validate=validate.Length(max=5)
    )
    active = JSONBoolean(load_default=True)
    photo_url = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The product's photo, or null; upload it with PUT …/photo."},
    )


class PhotoInSchema(Schema):
    """A product photo as base64 (PNG, JPEG or WebP, recognised by its content)."""

    content = fields.String(
        required=True,
        validate=validate.Length(min=1, max=28_000_000),
        metadata={
            "description": "The image file, base64-encoded; resized to at most 1200 px a side, metadata removed."
        },
    )


class PhotoSchema(Schema):
    url = fields.String(required=True)
    content_type = fields.String(
        required=True, validate=validate.OneOf(("image/png", "image/jpeg", "image/webp"))
    )
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    size = fields.Integer(required=True)


class OfferSetSchema(Schema):
    """The quantity a producer offers of one product at a market day (0 withdraws it)."""

    quantity = fields.Float(required=True, validate=validate.Range(min=0, max=100000))


class OrderLineInSchema(Schema):
    offer_id = fields.UUID(required=True)
    quantity = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1000),
        metadata={
            "description": "In the product's unit, to the thousandth; whole for pieces and bunches; 0 drops it."
        },
    )


class OrderInSchema(Schema):
    """Your basket for a market day: replaces the previous one while pre-orders are open."""

    slot_id = fields.UUID(required=True)
    lines = fields.List(
        fields.Nested(OrderLineInSchema), required=True, validate=validate.Length(min=1, max=50)
    )


class OrderLineSchema(Schema):
    offer_id = fields.UUID(required=True)
    product = fields.String(required=True)
    unit = fields.String(required=True)
    quantity = fields.Float(required=True)
    unit_price = fields.Float(required=True)


class OrderSchema(Schema):
    id = fields.UUID(required=True)
    market_day_id = fields.UUID(required=True)
    slot_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(OrderStatus.ALL))
    total = fields.Float(required=True, metadata={"description": "Paid at pick-up."})
    updated_at = UTCDateTimeField(required=True)
    lines = fields.List(fields.Nested(OrderLineSchema), required=True)


class ProducerSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    area = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ProducerStatus.ALL))
    organisation_id = fields.Integer(allow_none=True, required=True)


class PickTotalSchema(Schema):
    product = fields.String(required=True)
    producer = fields.String(required=True)
    unit = fields.String(required=True)
    quantity = fields.Float(required=True)


class PickLineSchema(Schema):
    order_id = fields.UUID(required=True)
    slot_id = fields.UUID(required=True)
    customer = fields.String(required=True)
    producer = fields.String(required=True)
    product = fields.String(required=True)
    quantity = fields.Float(required=True)
    status = fields.String(required=True)


class PickListSchema(Schema):
    lines = fields.List(fields.Nested(PickLineSchema), required=True)
    totals = fields.List(fields.Nested(PickTotalSchema), required=True)


class RedemptionInSchema(Schema):
    item_id = fields.UUID(required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=100))


class RedemptionSchema(Schema):
    id = fields.UUID(required=True)
    item_id = fields.UUID(required=True)
    quantity = fields.Integer(required=True)
    credits = fields.Integer(required=True)
    balance = fields.Integer(required=True, metadata={"description": "Credits left this month."})


class GroceryItemSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True)
    unit = fields.String(required=True)
    credits = fields.Integer(required=True)
    stock = fields.Integer(required=True)


class GroceryItemInSchema(Schema):
    """A product on the grocery's shelves (its stock moves with donations and redemptions)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(load_default="", validate=validate.Length(max=50))
    unit = fields.String(load_default=Units.PIECE, validate=validate.OneOf(Units.ALL))
    credits = fields.Integer(required=True, validate=validate.Range(min=0, max=10000))


class DonationInSchema(Schema):
    item_id = fields.UUID(required=True)
    donor_kind = fields.String(
        required=True, validate=validate.OneOf(("producer", "business", "ngo", "citizen", "purchase"))
    )
    donor_name = fields.String(load_default="", validate=validate.Length(max=200))
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=100000))
    kilos = fields.Float(load_default=0, validate=validate.Range(min=0, max=100000))
    received_on = fields.Date(
        required=True, metadata={"description": "Not after today in the municipality's zone."}
    )


class DonationSchema(Schema):
    id = fields.UUID(required=True)
    item_id = fields.UUID(required=True)
    donor_kind = fields.String(required=True)
    donor_name = fields.String(required=True)
    quantity = fields.Integer(required=True)
    kilos = fields.Float(required=True)
    received_on = fields.Date(required=True)
    stock = fields.Integer(required=True, metadata={"description": "The product's stock after it."})


class DistributionSlotSchema(Schema):
    id = fields.UUID(dump_only=True)
    starts_at = UTCDateTimeField(required=True)
    ends_at = UTCDateTimeField(required=True)
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    taken = fields.Integer(dump_only=True)


class DistributionDaySchema(Schema):
    id = fields.UUID(dump_only=True)
    day = fields.Date(required=True, metadata={"description": "Not before today in the municipality's zone."})
    place = fields.String(load_default="", validate=validate.Length(max=200))
    slots = fields.List(fields.Nested(DistributionSlotSchema), dump_only=True)


class GroceryOrderLineInSchema(Schema):
    item_id = fields.UUID(required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=100))


class GroceryOrderInSchema(Schema):
    """Your household's order for a distribution day, paid with this month's credits."""

    slot_id = fields.UUID(required=True)
    lines = fields.List(
        fields.Nested(GroceryOrderLineInSchema), required=True, validate=validate.Length(min=1, max=30)
    )


class GroceryOrderLineSchema(Schema):
    item = fields.String(required=True)
    quantity = fields.Integer(required=True)


class GroceryOrderSchema(Schema):
    id = fields.UUID(required=True)
    distribution_day_id = fields.UUID(required=True)
    slot_id = fields.UUID(required=True)
    credits = fields.Integer(required=True)
    collected = fields.Boolean(required=True)
    lines = fields.List(fields.Nested(GroceryOrderLineSchema), required=True)


class DayOrderSchema(GroceryOrderSchema):
    """An order of the day as the staff who hand it over see it."""

    household_id = fields.UUID(required=True)
    household = fields.String(required=True, metadata={"description": "The household's name."})


class OrderCancellationInSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=CANCEL_REASON_MAX),
        metadata={"description": "Why: mailed to the household in its language and kept with the order."},
    )


class OrderCancellationSchema(Schema):
    id = fields.UUID(required=True)
    household_told = fields.Boolean(
        required=True,
        metadata={"description": "False when the household has no account to mail: tell it yourself."},
    )


class HandoutInSchema(Schema):
    household_id = fields.UUID(required=True)
    lines = fields.List(
        fields.Nested(GroceryOrderLineInSchema), required=True, validate=validate.Length(min=1, max=30)
    )


class HandoutSchema(Schema):
    balance = fields.Integer(
        required=True, metadata={"description": "The household's credits left this month."}
    )


class SharePlanSchema(Schema):
    id = fields.UUID(dump_only=True)
    producer_id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    price = fields.Float(required=True, validate=validate.Range(min=0, max=99999.99))
    price_per = fields.String(required=True, validate=validate.OneOf(("season", "month")))
    frequency = fields.String(required=True, validate=validate.OneOf(("weekly", "fortnightly")))
    season_start = fields.Date(required=True)
    season_end = fields.Date(
        required=True, metadata={"description": "Not before the start, at most 60 weeks after it."}
    )
    shares = fields.Integer(required=True, validate=validate.Range(min=1, max=10000))
    available = fields.Integer(dump_only=True)


class SharePickupSchema(Schema):
    week = fields.Date(required=True, metadata={"description": "The Monday of the box week."})
    slot_id = fields.UUID(required=True)


class ShareSubscriptionSchema(Schema):
    id = fields.UUID(required=True)
    plan_id = fields.UUID(required=True)
    paused_weeks = fields.List(fields.Date(), required=True)
    pickups = fields.List(fields.Nested(SharePickupSchema), required=True)


class SharePickupInSchema(Schema):
    week = fields.Date(required=True, metadata={"description": "Any day of a box week; its Monday is kept."})
    slot_id = fields.UUID(
        required=True, metadata={"description": "A pick-up slot of the market day held that week."}
    )


class SharePauseInSchema(Schema):
    week = fields.Date(required=True, metadata={"description": "Any day of a box week; its Monday is kept."})


class ShareBoxWeekSchema(Schema):
    week = fields.Date(required=True)
    market_day_id = fields.UUID(allow_none=True, required=True)
    boxes = fields.Integer(required=True)
    paused = fields.Integer(required=True)
    subscribers = fields.List(fields.String(), required=True)
