"""The HTML forms (Flask-WTF: CSRF-protected; labels translated when rendered). Choices come
from the shared taxonomies, filled per request (legal forms by the municipality's country)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.toolkit import LocaleDecimalField
from core.toolkit import lazy_gettext as _l
from plugins.registry import taxonomy
from plugins.registry.services import TEXT_LIMITS


def choices(table: dict, empty=None) -> list[tuple[str, str]]:
    found = [(code, str(label)) for code, label in table.items()]
    return ([("", str(empty))] if empty is not None else []) + found


class EmptyForm(FlaskForm):
    """A button that only needs the CSRF token."""


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind"), validate_choice=True, validators=[Optional()])
    sector = SelectField(_l("Sector"), validate_choice=True, validators=[Optional()])
    group = SelectField(_l("Population group served"), validate_choice=True, validators=[Optional()])
    legal_form = SelectField(_l("Legal form"), validate_choice=True, validators=[Optional()])
    area = SelectField(_l("Area"), validate_choice=True, validators=[Optional()])

    def fill(self, country: str, areas: list[str]) -> None:
        self.kind.choices = choices(taxonomy.KINDS, _l("Any kind"))
        self.sector.choices = choices(taxonomy.SECTORS, _l("Any sector"))
        self.group.choices = choices(taxonomy.POPULATION_GROUPS, _l("Any group"))
        self.legal_form.choices = choices(taxonomy.legal_forms_for(country), _l("Any legal form"))
        self.area.choices = [("", str(_l("Anywhere")))] + [(a, a) for a in areas]


def _text(label, name, description=None, area=False):
    cls = TextAreaField if area else StringField
    return cls(label, description=description, validators=[Length(max=TEXT_LIMITS[name])])


class EntryForm(FlaskForm):
    organisation_id = SelectField(_l("On behalf of"), validate_choice=True)
    kind = SelectField(_l("Kind"), validate_choice=True)
    name = StringField(
        _l("Name (as registered)"), validators=[DataRequired(), Length(max=TEXT_LIMITS["name"])]
    )
    legal_form = SelectField(_l("Legal form"), validate_choice=True, default="")
    service_type = SelectField(_l("Type of service"), validate_choice=True, default="")
    provider = SelectField(_l("Provided by"), validate_choice=True, default="")
    business_number = _text(
        _l("Business registry number"),
        "business_number",
        _l("E.g. the GEMI number, the UIC (BULSTAT) or the CUI."),
    )
    sse_number = _text(
        _l("Social economy register number"),
        "sse_number",
        _l("The number in the national register of social and solidarity economy."),
    )
    description = _text(_l("Description"), "description", area=True)
    services_offered = _text(_l("Services offered"), "services_offered", area=True)
    sectors = SelectMultipleField(_l("Sectors (NACE Rev. 2)"), validate_choice=True)
    population_groups = SelectMultipleField(_l("Population groups served"), validate_choice=True)
    languages = SelectMultipleField(_l("Languages served"), validate_choice=True)
    address = _text(_l("Address"), "address")
    area = _text(_l("Area"), "area", _l("The neighbourhood, village or district."))
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(min=-90, max=90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(min=-180, max=180)])
    opening_hours = _text(_l("Opening hours"), "opening_hours")
    starts_on = DateField(_l("Starts"), validators=[Optional()])
    ends_on = DateField(_l("Ends"), validators=[Optional()])
    website = _text(_l("Website"), "website")
    contact_name = _text(_l("Contact person"), "contact_name")
    contact_email = _text(_l("Contact e-mail"), "contact_email")
    contact_phone = _text(_l("Contact telephone"), "contact_phone")
    document = StringField(
        _l("Checked against"),
        description=_l("The document you verified it against, e.g. the register extract with its date."),
        validators=[Length(max=300)],
    )
    submit = SubmitField(_l("Submit"))

    def fill(self, country: str, organisations, kinds: dict) -> None:
        self.organisation_id.choices = [(str(o.id), o.name) for o in organisations] or [("", "—")]
        self.kind.choices = choices(kinds)
        self.legal_form.choices = choices(taxonomy.legal_forms_for(country), "—")
        self.service_type.choices = choices(taxonomy.SERVICE_TYPES, "—")
        self.provider.choices = choices(taxonomy.PROVIDERS, "—")
        self.sectors.choices = [(c, f"{c} · {label}") for c, label in choices(taxonomy.SECTORS)]
        self.population_groups.choices = choices(taxonomy.POPULATION_GROUPS)
        self.languages.choices = [(code, taxonomy.language_name(code)) for code in taxonomy.LANGUAGES]

    def data_dict(self) -> dict:
        names = (
            "kind",
            "name",
            "legal_form",
            "service_type",
            "provider",
            "business_number",
            "sse_number",
            "description",
            "services_offered",
            "sectors",
            "population_groups",
            "languages",
            "address",
            "area",
            "latitude",
            "longitude",
            "opening_hours",
            "starts_on",
            "ends_on",
            "website",
            "contact_name",
            "contact_email",
            "contact_phone",
        )
        return {n: getattr(self, n).data for n in names}


class ReviewForm(FlaskForm):
    document = StringField(
        _l("Checked against"),
        description=_l("The document you verified it against, e.g. the register extract with its date."),
        validators=[Length(max=300)],
    )
    reason = TextAreaField(_l("Reason (when not verified)"), validators=[Length(max=5000)])
    verify = SubmitField(_l("Verify"))
    reject = SubmitField(_l("Send back for changes"))


class HandOverForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), validate_choice=True)
    submit = SubmitField(_l("Invite it to take over the entry"))


class ReverifyForm(FlaskForm):
    document = StringField(_l("Checked against"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Verify again"))


def _count(label):
    return IntegerField(label, default=0, validators=[InputRequired(), NumberRange(min=0, max=10_000_000)])


class FiguresForm(FlaskForm):
    staff_paid = _count(_l("Paid staff"))
    staff_volunteers = _count(_l("Volunteers"))
    staff_vulnerable = _count(_l("Staff from vulnerable groups"))
    staff_women = _count(_l("Women among staff and volunteers"))
    staff_men = _count(_l("Men among staff and volunteers"))
    people_served = _count(_l("People served"))
    revenue = LocaleDecimalField(_l("Revenue"), places=2, validators=[Optional(), NumberRange(min=0)])
    public_funding_pct = LocaleDecimalField(
        _l("Public funding, percentage of revenue"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    budget = LocaleDecimalField(_l("Budget"), places=2, validators=[Optional(), NumberRange(min=0)])
    submit = SubmitField(_l("Save the figures"))


class YearForm(FlaskForm):
    year = IntegerField(_l("Year reported on"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    due_on = DateField(_l("Due date"), validators=[InputRequired()])
    submit = SubmitField(_l("Open the reporting year"))


class ConsentForm(FlaskForm):
    opted_in = BooleanField(_l("Publish our figures to the regional and national aggregates"))
    submit = SubmitField(_l("Save"))


PACT_STATUS = {"draft": _l("Being prepared"), "active": _l("In force"), "ended": _l("Ended")}


class PactForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    entry_ids = SelectMultipleField(_l("Parties"), validate_choice=True)
    scope = TextAreaField(_l("Scope"), validators=[Length(max=10_000)])
    municipality_commitments = TextAreaField(
        _l("The municipality commits to"), validators=[Length(max=10_000)]
    )
    partner_commitments = TextAreaField(_l("The partners commit to"), validators=[Length(max=10_000)])
    starts_on = DateField(_l("Starts"), validators=[InputRequired()])
    ends_on = DateField(_l("Ends"), validators=[Optional()])
    signed_document = StringField(
        _l("Signed document"), description=_l("Its protocol number and date."), validators=[Length(max=300)]
    )
    status = SelectField(_l("Status"), choices=list(PACT_STATUS.items()), default="draft")
    next_review_on = DateField(_l("Next yearly review"), validators=[Optional()])
    document_file = FileField(
        _l("Signed copy (PDF, PNG or JPEG)"),
        description=_l("Optional; at most 10 MB. Earlier copies are kept."),
    )
    submit = SubmitField(_l("Save the pact"))


PACT_OUTCOME = {
    "continue": _l("Continues as it is"),
    "amend": _l("Continues, to be amended"),
    "end": _l("The pact ends"),
}


class PactReviewForm(FlaskForm):
    reviewed_on = DateField(_l("Held on"), validators=[InputRequired()])
    outcome = SelectField(_l("Decision"), choices=list(PACT_OUTCOME.items()), validate_choice=True)
    notes = TextAreaField(_l("What was found and agreed"), validators=[Length(max=10_000)])
    submit = SubmitField(_l("Record the review"))
