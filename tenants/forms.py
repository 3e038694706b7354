"""Forms of the operator console and the municipality admin pages (Flask-WTF, CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from core.templating import LANGUAGE_NAMES

LANGUAGE_CHOICES = [(code, name) for code, name in LANGUAGE_NAMES.items()]
ROLE_CHOICES = [
    ("member", _l("Member")),
    ("moderator", _l("Moderator")),
    ("staff", _l("Staff")),
    ("admin", _l("Administrator")),
]


class CountryField(SelectField):
    """A country, chosen by its name in the reader's language; the two-letter ISO 3166 code is kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=country_choices, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata([(v or "").strip().upper() for v in valuelist])


def country_choices() -> list[tuple[str, str]]:
    from babel import Locale
    from flask_babel import get_locale

    names = (get_locale() or Locale("en")).territories
    codes = [
        c
        for c in Locale("en").territories
        if len(c) == 2 and c.isalpha() and c not in ("ZZ", "QO", "EU", "EZ", "UN")
    ]
    return sorted(((c, names.get(c, c)) for c in codes), key=lambda pair: pair[1])


class EmptyForm(FlaskForm):
    """A button protected by CSRF."""


class OnboardingForm(FlaskForm):
    slug = StringField(
        _l("Slug (the municipality's address)"),
        validators=[DataRequired(), Length(max=63)],
        description=_l("Lower-case letters, digits and hyphens, e.g. orestiada."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    country = CountryField(_l("Country"), validators=[DataRequired()], default="GR")
    locales = SelectMultipleField(_l("Languages"), choices=LANGUAGE_CHOICES, validators=[DataRequired()])
    default_locale = SelectField(_l("Default language"), choices=LANGUAGE_CHOICES)
    timezone = StringField(
        _l("Time zone"), default="Europe/Athens", validators=[DataRequired(), Length(max=64)]
    )
    plan = SelectField(_l("Plan"), choices=[])
    allowed_plugins = SelectMultipleField(_l("Allowed plugins"), choices=[], validate_choice=False)
    billing_name = StringField(_l("Billing contact name"), validators=[Optional(), Length(max=200)])
    billing_email = EmailField(_l("Billing contact email"), validators=[DataRequired(), Length(max=254)])
    collection_method = SelectField(
        _l("Payment"),
        choices=[
            ("send_invoice", _l("Invoice (paid by transfer)")),
            ("charge_automatically", _l("Card (charged automatically)")),
        ],
    )
    days_until_due = IntegerField(
        _l("Days until an invoice is due"),
        default=30,
        validators=[Optional()],
    )
    admin_email = EmailField(_l("First administrator's email"), validators=[DataRequired(), Length(max=254)])


class AllowedPluginsForm(FlaskForm):
    allowed_plugins = SelectMultipleField(_l("Allowed plugins"), choices=[], validate_choice=False)


class StatusForm(FlaskForm):
    reason = StringField(_l("Reason (kept in the audit log)"), validators=[Optional(), Length(max=500)])


class DeletionForm(FlaskForm):
    deletion_reason = StringField(
        _l("Reason (the contract that ended, say)"), validators=[DataRequired(), Length(max=500)]
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = StringField(_l("Action starts with"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Who (email contains)"), validators=[Optional(), Length(max=254)])
    tenant = StringField(_l("Municipality (slug)"), validators=[Optional(), Length(max=63)])
    since = StringField(_l("From (YYYY-MM-DD)"), validators=[Optional(), Length(max=10)])
    until = StringField(_l("Until (YYYY-MM-DD)"), validators=[Optional(), Length(max=10)])


class BrandingForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    primary_color = StringField(
        _l("Main colour"),
        validators=[DataRequired(), Length(min=7, max=7)],
        description=_l("A hex colour like #0b4f8a; white text on it must stay readable."),
    )
    logo = FileField(_l("Logo (PNG, JPEG or WebP, at most 512 KB)"))


class LanguagesForm(FlaskForm):
    locales = SelectMultipleField(_l("Languages"), choices=LANGUAGE_CHOICES, validators=[DataRequired()])
    default_locale = SelectField(_l("Default language"), choices=LANGUAGE_CHOICES)
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64)])


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class DomainForm(FlaskForm):
    host = StringField(
        _l("Host name"),
        validators=[DataRequired(), Length(max=253)],
        description=_l("For example participation.example.gov"),
    )


class AcceptNewForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(_l("Choose a password"), validators=[DataRequired(), Length(max=1024)])


class AcceptExistingForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=1024)])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])


class GrantForm(FlaskForm):
    """Give one member one permission of a module (the choices are set by the view)."""

    account_id = SelectField(_l("Member"), coerce=int, validate_choice=True)
    permission = SelectField(_l("Permission"), validate_choice=True)


class RevokeGrantForm(FlaskForm):
    """Take a permission back (hidden fields of one row's button)."""

    account_id = IntegerField(validators=[DataRequired()])
    permission = StringField(validators=[DataRequired(), Length(max=100)])


# --- legal notices (/admin/legal) -----------------------------------------------------------


class LegalDetailsForm(FlaskForm):
    """The municipality as controller, and the facts of its accessibility statement."""

    legal_name = StringField(
        _l("Legal name"),
        description=_l("As it appears in the municipality's official acts."),
        render_kw={"maxlength": 300},
    )
    address = StringField(_l("Postal address"), render_kw={"maxlength": 500})
    email = EmailField(_l("E-mail address for data protection requests"), render_kw={"maxlength": 254})
    phone = StringField(_l("Telephone"), render_kw={"maxlength": 50})
    dpo_name = StringField(_l("Data protection officer"), render_kw={"maxlength": 200})
    dpo_email = EmailField(_l("Data protection officer's e-mail"), render_kw={"maxlength": 254})
    dpo_phone = StringField(_l("Data protection officer's telephone"), render_kw={"maxlength": 50})
    accessibility_email = EmailField(
        _l("E-mail address for accessibility feedback"),
        description=_l("Leave empty to use the address for data protection requests."),
        render_kw={"maxlength": 254},
    )
    conformance = SelectField(
        _l("Compliance status"),
        choices=[
            ("full", _l("Fully compliant")),
            ("partial", _l("Partially compliant")),
            ("none", _l("Not compliant")),
        ],
    )
    assessed_on = DateField(_l("Accessibility statement prepared on"), validators=[Optional()])
    assessment_method = SelectField(
        _l("Assessment method"),
        choices=[("self", _l("Self-assessment")), ("third_party", _l("Assessment by a third party"))],
    )
    reviewed_on = DateField(_l("Last reviewed on"), validators=[Optional()])


class NoticeForm(FlaskForm):
    body = TextAreaField(_l("Text (Markdown)"), render_kw={"rows": 30})


class FeedbackAnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Answer"),
        description=_l("Mailed to the sender, in the language they wrote in."),
        render_kw={"rows": 8, "maxlength": 10000},
    )
