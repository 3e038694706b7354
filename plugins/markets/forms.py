"""The HTML forms (Flask-WTF: CSRF-protected; labels translated when rendered)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.toolkit import LocaleDecimalField, gettext, pgettext
from core.toolkit import lazy_gettext as _l
from plugins.markets.models import ApplicationStatus, DayStatus, ProducerStatus, Units

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]

UNIT_LABELS = {
    Units.KG: _l("kilogram"),
    Units.PIECE: _l("piece"),
    Units.BUNCH: _l("bunch"),
    Units.LITRE: _l("litre"),
}


def day_status_choices() -> list[tuple[str, str]]:
    """A market day's statuses, agreeing with its gender (ημέρα αγοράς f., пазарен ден m.):
    "Published" and "Cancelled" are shared with other plugins' neuter nouns, hence the context."""
    return [
        (DayStatus.DRAFT, gettext("Draft (visible to the market's staff only)")),
        (DayStatus.PUBLISHED, pgettext("market day", "Published")),
        (DayStatus.CANCELLED, pgettext("market day", "Cancelled")),
    ]


DOCUMENT_LABELS = {
    "licence": _l("Producer-seller licence"),
    "organic": _l("Organic certificate"),
    "other": _l("Other document"),
}


class EmptyForm(FlaskForm):
    """A button that only needs the CSRF token."""


class ProducerApplicationForm(FlaskForm):
    organisation_id = SelectField(_l("Applying"), validate_choice=True)
    name = StringField(_l("Name of the farm or business"), validators=[DataRequired(), Length(max=200)])
    area = StringField(_l("Where you produce"), validators=[Length(max=200)])
    description = TextAreaField(_l("What you produce"), validators=[Length(max=5000)])
    document_kind = SelectField(_l("Document"), choices=list(DOCUMENT_LABELS.items()))
    document = FileField(_l("File (PDF, PNG or JPEG)"))
    submit = SubmitField(_l("Apply to sell"))


class ProducerDecisionForm(FlaskForm):
    status = SelectField(
        _l("Decision"),
        choices=[
            (ProducerStatus.APPROVED, _l("Approve")),
            (ProducerStatus.REJECTED, _l("Reject")),
            (ProducerStatus.SUSPENDED, _l("Suspend")),
        ],
    )
    reason = TextAreaField(
        _l("Reasons"),
        description=_l("Required to reject or suspend; the producer reads them."),
        validators=[Length(max=1000)],
    )
    submit = SubmitField(_l("Record the decision"))


class ProductForm(FlaskForm):
    name = StringField(_l("Product"), validators=[DataRequired(), Length(max=200)])
    category = StringField(_l("Category"), validators=[Length(max=50)])
    unit = SelectField(_l("Sold by"), choices=list(UNIT_LABELS.items()))
    price = LocaleDecimalField(
        _l("Price per unit (€)"), places=2, validators=[InputRequired(), NumberRange(min=0, max=99999.99)]
    )
    origin = StringField(_l("Origin"), validators=[Length(max=200)])
    labels = StringField(
        _l("Labels"),
        description=_l("Separate them with commas, e.g. organic, PDO."),
        validators=[Length(max=200)],
    )
    active = BooleanField(_l("On sale"), default=True)
    photo = FileField(
        _l("Photo (PNG, JPEG or WebP)"),
        description=_l(
            "Shown on the market's pages, resized; the camera's details and location are removed."
        ),
        render_kw={"accept": "image/png,image/jpeg,image/webp"},
    )
    remove_photo = BooleanField(_l("Remove the photo"))
    submit = SubmitField(_l("Save the product"))


class MarketDayForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    day = DateField(_l("Market day"), validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[Length(max=200)])
    opens_at = DateTimeLocalField(
        _l("Pre-orders open"), format=DATETIME_FORMATS, validators=[InputRequired()]
    )
    closes_at = DateTimeLocalField(
        _l("Pre-orders close"), format=DATETIME_FORMATS, validators=[InputRequired()]
    )
    status = SelectField(_l("Status"), default=DayStatus.DRAFT)  # choices: day_status_choices()
    submit = SubmitField(_l("Save the market day"))


class SlotForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts"), format=DATETIME_FORMATS, validators=[InputRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format=DATETIME_FORMATS, validators=[InputRequired()])
    capacity = IntegerField(
        _l("Orders"),
        description=_l("How many orders can be collected in this slot."),
        validators=[InputRequired(), NumberRange(min=1, max=1000)],
    )
    submit = SubmitField(_l("Add the slot"))


class HouseholdApplicationForm(FlaskForm):
    channel = SelectField(_l("Applying"), validate_choice=True)
    organisation_id = SelectField(_l("On behalf of"), validate_choice=False, validators=[Optional()])
    name = StringField(_l("Name of the person applying"), validators=[DataRequired(), Length(max=200)])
    size = IntegerField(
        _l("Members of the household"), validators=[InputRequired(), NumberRange(min=1, max=20)]
    )
    monthly_income = LocaleDecimalField(
        _l("Monthly income of the household (€)"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=1000000)],
    )
    unemployed = BooleanField(_l("Someone in the household is unemployed"))
    disability = BooleanField(_l("Someone in the household has a disability"))
    single_parent = BooleanField(_l("Single-parent family"))
    social_services_referral = BooleanField(_l("Referred by the social services"))
    consent = BooleanField(_l("The household has consented to this application on its behalf"))
    submit = SubmitField(_l("Submit the application"))


class ApplicationDecisionForm(FlaskForm):
    status = SelectField(
        _l("Decision"),
        choices=[
            (ApplicationStatus.APPROVED, _l("Eligible")),
            (ApplicationStatus.CLARIFICATION, _l("Ask for clarification")),
            (ApplicationStatus.REJECTED, _l("Not eligible")),
        ],
    )
    reason = TextAreaField(_l("Reasons"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Record the decision"))


DONOR_LABELS = {
    "producer": _l("A producer"),
    "business": _l("A business"),
    "ngo": _l("An NGO"),
    "citizen": _l("A citizen"),
    "purchase": _l("Bought by the grocery"),
}


class GroceryItemForm(FlaskForm):
    name = StringField(_l("Product"), validators=[DataRequired(), Length(max=200)])
    category = StringField(_l("Category"), validators=[Length(max=50)])
    unit = SelectField(_l("Counted in"), choices=list(UNIT_LABELS.items()), default=Units.PIECE)
    credits = IntegerField(
        _l("Credits"),
        description=_l("What one unit costs a household."),
        validators=[InputRequired(), NumberRange(min=0, max=10000)],
    )
    submit = SubmitField(_l("Save the product"))


class DonationForm(FlaskForm):
    item_id = SelectField(_l("Product"), validate_choice=True)
    donor_kind = SelectField(_l("From"), choices=list(DONOR_LABELS.items()))
    donor_name = StringField(_l("Donor's name"), description=_l("Optional."), validators=[Length(max=200)])
    quantity = IntegerField(
        _l("Units received"), validators=[InputRequired(), NumberRange(min=1, max=100000)]
    )
    kilos = LocaleDecimalField(
        _l("Weight, kg"),
        places=3,
        description=_l("For the public statistics of kilos distributed."),
        validators=[Optional(), NumberRange(min=0, max=100000)],
    )
    received_on = DateField(_l("Received on"), validators=[InputRequired()])
    submit = SubmitField(_l("Record the donation"))


class DistributionDayForm(FlaskForm):
    day = DateField(_l("Distribution day"), validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[Length(max=200)])
    submit = SubmitField(_l("Announce the distribution day"))


PRICE_PER_LABELS = {"season": _l("for the whole season"), "month": _l("per month")}
FREQUENCY_LABELS = {"weekly": _l("a box every week"), "fortnightly": _l("a box every fortnight")}


class SharePlanForm(FlaskForm):
    name = StringField(_l("Name of the share"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("What a box holds"), validators=[Length(max=5000)])
    price = LocaleDecimalField(
        _l("Price (€)"), places=2, validators=[InputRequired(), NumberRange(min=0, max=99999.99)]
    )
    price_per = SelectField(_l("The price is"), choices=list(PRICE_PER_LABELS.items()))
    frequency = SelectField(_l("Boxes"), choices=list(FREQUENCY_LABELS.items()))
    season_start = DateField(_l("Season starts"), validators=[InputRequired()])
    season_end = DateField(_l("Season ends"), validators=[InputRequired()])
    shares = IntegerField(_l("Number of shares"), validators=[InputRequired(), NumberRange(min=1, max=10000)])
    submit = SubmitField(_l("Offer the shares"))
