"""The public accessibility feedback form (lengths and addresses are checked by the services)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired

from core.legal.services import MAX_MESSAGE, MAX_NAME, MAX_URL


class FeedbackForm(FlaskForm):
    message = TextAreaField(
        _l("What did not work for you?"),
        validators=[DataRequired(_l("Describe the problem you met."))],
        description=_l(
            "Say what you tried to do, what happened, and the assistive technology or browser you use "
            "if you know it. You can also ask for a document in an accessible format."
        ),
        render_kw={"maxlength": MAX_MESSAGE, "rows": 8},
    )
    page_url = StringField(
        _l("Page or document (optional)"),
        description=_l("Its address or title, if the problem is on one page."),
        render_kw={"maxlength": MAX_URL},
    )
    name = StringField(_l("Your name (optional)"), render_kw={"maxlength": MAX_NAME, "autocomplete": "name"})
    email = EmailField(
        _l("Your e-mail address"),
        validators=[DataRequired(_l("Enter the e-mail address we should answer to."))],
        description=_l("We send our answer there."),
        render_kw={"maxlength": 254, "autocomplete": "email"},
    )
