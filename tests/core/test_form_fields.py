"""Numbers typed as people in el, bg and ro write them: «9,50», «1.234,50» (el, ro), «1 234,50»
(bg); a plain «9.50» too. WTForms' DecimalField refused «9,00» (markets' price field)."""

from __future__ import annotations

import decimal

import pytest
from flask_babel import force_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from core.toolkit import LocaleDecimalField


class PriceForm(FlaskForm):
    class Meta:
        csrf = False

    price = LocaleDecimalField("Price", places=2)


@pytest.mark.parametrize(
    ("lang", "typed", "value"),
    [
        ("el", "9,50", "9.50"),
        ("el", "1.234,50", "1234.50"),
        ("el", "9.50", "9.50"),  # not 950: a dot followed by two digits is no group separator
        ("ro", "12,5", "12.5"),
        ("bg", "1 234,50", "1234.50"),
        ("bg", "1\u00a0234,50", "1234.50"),
        ("en", "1,234.50", "1234.50"),
        ("en", "9.5", "9.5"),
    ],
)
def test_decimals_as_people_write_them(app, lang, typed, value):
    with app.test_request_context(), force_locale(lang):
        form = PriceForm(formdata=MultiDict({"price": typed}))
        assert form.validate(), form.errors
        assert form.price.data == decimal.Decimal(value)


@pytest.mark.parametrize("typed", ["nine", "9,5,5", "NaN", "Infinity", "9..5"])
def test_what_is_not_a_number_is_refused_and_kept(app, typed):
    with app.test_request_context(), force_locale("el"):
        form = PriceForm(formdata=MultiDict({"price": typed}))
        assert not form.validate()
        assert form.price.errors
        assert form.price._value() == typed  # shown back as typed


def test_a_stored_value_is_shown_in_the_language(app):
    with app.test_request_context():
        for lang, shown in (("el", "1.234,50"), ("bg", "1\u00a0234,50"), ("en", "1,234.50")):
            with force_locale(lang):
                form = PriceForm(data={"price": decimal.Decimal("1234.5")})
                assert form.price._value() == shown, lang
