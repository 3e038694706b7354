"""Form fields that read numbers as people in the municipality's language write them.

WTForms' ``DecimalField`` takes ``Decimal(text)``: «9,00» (how Greek, Bulgarian and Romanian
write nine) is refused as not a number, and «9.00» is shown back. ``LocaleDecimalField`` parses
with babel in the page's language (a decimal comma, the group separator ignored) and shows the
value back the same way; a plain ``9.00`` is still accepted.
"""

from __future__ import annotations

import decimal

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask_babel import get_locale
from wtforms import DecimalField


class LocaleDecimalField(DecimalField):
    """A ``DecimalField`` that reads «9,50» and «1.234,50» in el, bg and ro (babel, the page's
    language; a plain «9.50» too) and shows a stored value back the same way."""

    def _locale(self) -> str:
        return str(get_locale() or "en")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip().replace("\u00a0", " ").replace(" ", "")
        if not text:
            self.data = None
            return
        try:
            self.data = parse_decimal(text, locale=self._locale(), strict=True)
        except NumberFormatError:
            try:  # 9.00 in a language whose decimal mark is a comma
                self.data = decimal.Decimal(text)
            except decimal.InvalidOperation:
                self.data = None
                raise ValueError(self.gettext("Not a valid decimal value.")) from None
        if not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        places = self.places if self.places is not None else 2
        pattern = "#,##0." + "0" * places if places else "#,##0"
        return format_decimal(self.data, format=pattern, locale=self._locale())
