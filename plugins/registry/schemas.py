"""The per-municipality settings and the API's schemas (explicit field lists)."""

from marshmallow import Schema, fields, pre_load, validate

from core.toolkit import JSONBoolean, UTCDateTimeField, lazy_gettext
from plugins.registry import taxonomy
from plugins.registry.aggregates import DIMENSIONS, LEVELS
from plugins.registry.models import VersionStatus
from plugins.registry.services import COUNT_FIELDS, OPTIONAL_FIELDS, TEXT_LIMITS


def _as_list(value):
    """Stored before these were lists: a comma-separated string."""
    return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value


#: what a municipality may make mandatory, with the labels the entry form gives them
REQUIRABLE = {
    "legal_form": lazy_gettext("Legal form"),
    "business_number": lazy_gettext("Business registry number"),
    "address": lazy_gettext("Address"),
    "sectors": lazy_gettext("Sectors (NACE Rev. 2)"),
    "population_groups": lazy_gettext("Population groups served"),
    "contact_email": lazy_gettext("Contact e-mail"),
}


class SettingsSchema(Schema):
    """What each municipality decides (``plugin_settings("registry")``)."""

    @pre_load
    def _lists(self, data, **kwargs):
        data = dict(data)
        for key in ("kinds", "required_fields"):
            if key in data:
                data[key] = _as_list(data[key])
        return data

    kinds = fields.List(
        fields.String(validate=validate.OneOf(list(taxonomy.KINDS))),
        load_default=list,
        metadata={
            "title": lazy_gettext("Kinds of entry"),
            "description": lazy_gettext("None ticked: all three."),
            "choice_labels": taxonomy.KINDS,
        },
    )
    required_fields = fields.List(
        fields.String(validate=validate.OneOf(list(OPTIONAL_FIELDS))),
        load_default=list,
        metadata={
            "title": lazy_gettext("Mandatory fields"),
            "description": lazy_gettext("What an entry must give, besides its name and kind."),
            "choice_labels": REQUIRABLE,
        },
    )
    reverify_after_months = fields.Integer(
        load_default=12,
        validate=validate.Range(min=1, max=60),
        metadata={
            "title": lazy_gettext("Re-verify after (months)"),
            "description": lazy_gettext(
                "A verified entry older than this is listed for staff to verify again."
            ),
        },
    )
    reminder_days = fields.Integer(
        load_default=14,
        validate=validate.Range(min=1, max=90),
        metadata={
            "title": lazy_gettext("Reminder, days before the due date"),
            "description": lazy_gettext(
                "Entries without the year's figures are reminded this many days before it."
            ),
        },
    )


KIND_CHOICES = list(taxonomy.KINDS)
LEGAL_FORM_CHOICES = list(taxonomy.all_legal_forms())


class EntrySchema(Schema):
    """An entry as the public sees it (its last verified version)."""

    id = fields.UUID(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(KIND_CHOICES))
    organisation_id = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1))
    name = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_LIMITS["name"]))
    legal_form = fields.String(load_default="", validate=validate.OneOf(["", *LEGAL_FORM_CHOICES]))
    service_type = fields.String(load_default="", validate=validate.OneOf(["", *taxonomy.SERVICE_TYPES]))
    provider = fields.String(load_default="", validate=validate.OneOf(["", *taxonomy.PROVIDERS]))
    business_number = fields.String(
        load_default="", validate=validate.Length(max=TEXT_LIMITS["business_number"])
    )
    sse_number = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMITS["sse_number"]))
    description = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMITS["description"]))
    services_offered = fields.String(
        load_default="", validate=validate.Length(max=TEXT_LIMITS["services_offered"])
    )
    address = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMITS["address"]))
    area = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMITS["area"]))
    latitude = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-180, max=180))
    sectors = fields.List(
        fields.String(validate=validate.OneOf(list(taxonomy.SECTORS))),
        load_default=list,
        validate=validate.Length(max=12),
    )
    population_groups = fields.List(
        fields.String(validate=validate.OneOf(list(taxonomy.POPULATION_GROUPS))),
        load_default=list,
        validate=validate.Length(max=12),
    )
    languages = fields.List(
        fields.String(validate=validate.OneOf(list(taxonomy.LANGUAGES))),
        load_default=list,
        validate=validate.Length(max=9),
    )
    contact_name = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMITS["contact_name"]))
    contact_email = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMITS["contact_email"]))
    contact_phone = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMITS["contact_phone"]))
    website = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMITS["website"]))
    opening_hours = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMITS["opening_hours"]))
    starts_on = fields.Date(allow_none=True, load_default=None)
    ends_on = fields.Date(allow_none=True, load_default=None)
    verified_at = UTCDateTimeField(dump_only=True, allow_none=True)


class EntryQuerySchema(Schema):
    q = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "Words in the name, description, services, address or area."},
    )
    kind = fields.String(validate=validate.OneOf(KIND_CHOICES))
    sector = fields.String(validate=validate.OneOf(list(taxonomy.SECTORS)))
    group = fields.String(validate=validate.OneOf(list(taxonomy.POPULATION_GROUPS)))
    legal_form = fields.String(validate=validate.OneOf(LEGAL_FORM_CHOICES))
    area = fields.String(validate=validate.Length(max=100))


class VersionSchema(Schema):
    id = fields.UUID(required=True)
    entry_id = fields.UUID(required=True)
    number = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(VersionStatus.ALL))
    submitted_at = UTCDateTimeField(required=True)
    reviewed_at = UTCDateTimeField(required=True, allow_none=True)
    document = fields.String(required=True)
    reason = fields.String(required=True)
    diff = fields.List(
        fields.Dict(), required=True, metadata={"description": "Fields changed: field, before, after."}
    )


class ReviewSchema(Schema):
    """Staff's decision on a pending version."""

    approve = JSONBoolean(required=True)
    document = fields.String(
        load_default="",
        validate=validate.Length(max=300),
        metadata={"description": "The document checked (required to verify)."},
    )
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=5000),
        metadata={"description": "Why not (required to reject)."},
    )


class FiguresSchema(Schema):
    year = fields.Integer(dump_only=True)
    staff_paid = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    staff_volunteers = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    staff_vulnerable = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    staff_women = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    staff_men = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    people_served = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    revenue = fields.Float(
        allow_none=True, load_default=None, validate=validate.Range(min=0, max=999_999_999_999)
    )
    public_funding_pct = fields.Float(
        allow_none=True, load_default=None, validate=validate.Range(min=0, max=100)
    )
    budget = fields.Float(
        allow_none=True, load_default=None, validate=validate.Range(min=0, max=999_999_999_999)
    )


assert set(COUNT_FIELDS) <= set(FiguresSchema().fields)


class TotalsSchema(Schema):
    entries = fields.Integer(required=True)
    staff_paid = fields.Integer(required=True)
    staff_volunteers = fields.Integer(required=True)
    people_served = fields.Integer(required=True)
    budget = fields.Float(required=True)


class MunicipalityTotalsSchema(Schema):
    year = fields.Integer(required=True)
    total = fields.Nested(TotalsSchema, required=True)
    kind = fields.Dict(keys=fields.String(), values=fields.Nested(TotalsSchema), required=True)
    sector = fields.Dict(keys=fields.String(), values=fields.Nested(TotalsSchema), required=True)
    group = fields.Dict(keys=fields.String(), values=fields.Nested(TotalsSchema), required=True)


class YearQuerySchema(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class PactSchema(Schema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)
    scope = fields.String(required=True)
    municipality_commitments = fields.String(required=True)
    partner_commitments = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True, allow_none=True)
    signed_document = fields.String(required=True)
    status = fields.String(required=True)
    next_review_on = fields.Date(required=True, allow_none=True)
    entry_ids = fields.List(fields.UUID(), required=True)


class ReportingYearSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    due_on = fields.Date(required=True)


class ConsentSchema(Schema):
    opted_in = JSONBoolean(required=True)


# --- the observatory API (apex) -----------------------------------------------------------------


class ObservatorySchema(Schema):
    finished_at = UTCDateTimeField(dump_only=True)
    municipalities = fields.Integer(dump_only=True, metadata={"description": "Municipalities in the run."})
    cells = fields.Integer(dump_only=True)
    threshold = fields.Integer(
        dump_only=True, metadata={"description": "Cells of fewer entries are suppressed."}
    )
    levels = fields.List(fields.String(), dump_only=True)
    years = fields.List(fields.Integer(), dump_only=True)


class AreaQuerySchema(Schema):
    level = fields.String(load_default="country", validate=validate.OneOf(LEVELS))


class ObservatoryAreaSchema(Schema):
    level = fields.String(dump_only=True)
    area = fields.String(
        dump_only=True, metadata={"description": "Municipality slug, NUTS code or country code."}
    )
    area_name = fields.String(dump_only=True)
    parent = fields.String(
        dump_only=True, metadata={"description": "The area one level up (empty for a country)."}
    )


class CellQuerySchema(Schema):
    level = fields.String(load_default="country", validate=validate.OneOf(LEVELS))
    area = fields.String(validate=validate.Length(min=1, max=40))
    parent = fields.String(
        validate=validate.Length(min=1, max=40),
        metadata={"description": "Only the areas within this one (e.g. level=nuts3&parent=EL51)."},
    )
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    dimension = fields.String(validate=validate.OneOf(DIMENSIONS))
    code = fields.String(
        validate=validate.Length(min=1, max=40),
        metadata={"description": "A NACE code or a population group."},
    )


class CellSchema(Schema):
    level = fields.String(dump_only=True)
    area = fields.String(dump_only=True)
    area_name = fields.String(dump_only=True)
    parent = fields.String(dump_only=True)
    year = fields.Integer(dump_only=True)
    dimension = fields.String(dump_only=True, metadata={"description": "total, sector or group"})
    code = fields.String(dump_only=True)
    label = fields.String(dump_only=True)
    suppressed = fields.Boolean(
        dump_only=True,
        metadata={"description": "True: too few entries (or protecting one that is); no figures."},
    )
    entries = fields.Integer(dump_only=True, allow_none=True)
    staff_paid = fields.Integer(dump_only=True, allow_none=True)
    staff_volunteers = fields.Integer(dump_only=True, allow_none=True)
    staff_vulnerable = fields.Integer(dump_only=True, allow_none=True)
    people_served = fields.Integer(dump_only=True, allow_none=True)
    budget = fields.Float(dump_only=True, allow_none=True)
    revenue = fields.Float(dump_only=True, allow_none=True)


# --- cooperation pacts (writes) -----------------------------------------------------------------


class PactWriteSchema(Schema):
    """A pact as staff save it (the signed copy is uploaded on its own: ``POST …/documents``)."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    entry_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=100))
    scope = fields.String(load_default="", validate=validate.Length(max=10_000))
    municipality_commitments = fields.String(load_default="", validate=validate.Length(max=10_000))
    partner_commitments = fields.String(load_default="", validate=validate.Length(max=10_000))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    signed_document = fields.String(
        load_default="",
        validate=validate.Length(max=300),
        metadata={"description": "Its protocol number and date."},
    )
    status = fields.String(load_default="draft", validate=validate.OneOf(["draft", "active", "ended"]))
    next_review_on = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "A new pact: by default a year after the start; a change without it keeps the date."
        },
    )


class PactDocumentUploadSchema(Schema):
    """A signed copy sent through the API: its name and its bytes in base64 (PDF, PNG or JPEG,
    found from the content; at most 10 MB)."""

    filename = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content = fields.String(
        required=True,
        validate=validate.Length(min=1, max=14_000_000),
        metadata={"description": "The file, base64-encoded.", "format": "byte"},
    )


class PactDocumentSchema(Schema):
    """A signed copy of a pact (the latest is the pact's signed document)."""

    id = fields.UUID(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(
        required=True, validate=validate.OneOf(["application/pdf", "image/png", "image/jpeg"])
    )
    size = fields.Integer(required=True, metadata={"description": "bytes"})
    uploaded_at = UTCDateTimeField(required=True)
    url = fields.String(required=True, metadata={"description": "Where it is downloaded (an attachment)."})


class PactReviewSchema(Schema):
    reviewed_on = fields.Date(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["continue", "amend", "end"]))
    notes = fields.String(load_default="", validate=validate.Length(max=10_000))


class PactRevisionSchema(Schema):
    number = fields.Integer(dump_only=True)
    changed_at = UTCDateTimeField(dump_only=True)
    changed = fields.List(
        fields.String(), dump_only=True, metadata={"description": "The fields that changed."}
    )


class PactHistorySchema(Schema):
    revisions = fields.List(fields.Nested(PactRevisionSchema), dump_only=True)
    reviews = fields.List(fields.Nested(PactReviewSchema), dump_only=True)
