"""Account forms (Flask-WTF: CSRF-protected, labels translated)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.accounts.security import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class SignUpForm(FlaskForm):
    # lengths and the address itself are checked by the services, whose messages say exactly what
    # is wrong (wtforms' Email() needs email_validator; its Length() message is vaguer)
    display_name = StringField(_l("Your name"), validators=[DataRequired()], render_kw={"maxlength": 120})
    email = EmailField(_l("Email"), validators=[DataRequired()], render_kw={"maxlength": 254})
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired()],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
        render_kw={"minlength": MIN_PASSWORD_LENGTH, "maxlength": MAX_PASSWORD_LENGTH},
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
        render_kw={"minlength": MIN_PASSWORD_LENGTH, "maxlength": MAX_PASSWORD_LENGTH},
    )


class TotpForm(FlaskForm):
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[DataRequired(), Length(min=6, max=8)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ConfirmIdentityForm(FlaskForm):
    """ "Confirm it's you" before a sensitive change; its fields are prefixed (``reauth-``) so they
    travel beside the fields of the form being confirmed. The request's CSRF token covers it."""

    class Meta:
        csrf = False

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[Optional(), Length(max=8)],
        render_kw={"inputmode": "numeric"},
    )


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired()], render_kw={"maxlength": 120})
    locale = SelectField(
        _l("Preferred language"),
        choices=[
            ("", _l("Same as the page")),
            ("el", "Ελληνικά"),
            ("bg", "Български"),
            ("ro", "Română"),
            ("en", "English"),
        ],
        validators=[Optional()],
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])
    scope = SelectField(_l("Valid on"), choices=[], validate_choice=True)


class OrganisationForm(FlaskForm):
    name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Kind"),
        choices=[
            ("ngo", _l("NGO")),
            ("association", _l("Association")),
            ("cooperative", _l("Cooperative")),
            ("social_enterprise", _l("Social enterprise")),
        ],
    )
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])


class AffiliationRequestForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, choices=[])
    tenant_slug = SelectField(_l("Municipality"), choices=[])
    message = TextAreaField(_l("Message to the municipality"), validators=[Optional(), Length(max=1000)])


class ConfirmForm(FlaskForm):
    """An empty form: a button protected by CSRF."""

    confirm = BooleanField(_l("I understand"), validators=[DataRequired()])


class DeleteAccountForm(FlaskForm):
    """Deleting an account takes the password again: a borrowed session is not enough."""

    password = PasswordField(
        _l("Your password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    confirm = BooleanField(_l("I understand"), validators=[DataRequired()])


class EmptyForm(FlaskForm):
    pass
