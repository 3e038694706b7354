"""Form pieces more than one domain's forms use."""

from __future__ import annotations

from wtforms import (
    SelectMultipleField,
    widgets,
)

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
