"""The forms of the company gifts: upload, the editable table (read from the posted fields), the card, ordering."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, TextAreaField

from shop.gifts.models import RECIPIENT_FIELDS


class UploadForm(FlaskForm):
    file = FileField(_l("Lijst met ontvangers (.xlsx of .csv)"))


class CardForm(FlaskForm):
    message = TextAreaField(_l("Boodschap op elke wenskaart"), render_kw={"maxlength": 300, "rows": 3})
    logo = FileField(_l("Logo van je bedrijf"))
    remove_logo = BooleanField(_l("Verwijder het logo"))


class ChangesForm(FlaskForm):
    """Confirm or discard a second upload (the button pressed says which)."""


class TableForm(FlaskForm):
    """The editable table: its rows are posted as ``r-<id>-<field>``, read by ``read_table``."""

    shown = HiddenField()


class PlaceForm(FlaskForm):
    """Order the list: the button pressed says how to pay (``how``: ``pay`` or ``quote``)."""


def field_name(recipient_id: int, name: str) -> str:
    return f"r-{recipient_id}-{name}"


def read_table(formdata) -> tuple[dict[int, dict[str, str]], set[int], int]:
    """(edits per recipient id, ids to remove, rows to add) from a posted table."""
    edits: dict[int, dict[str, str]] = {}
    for key in formdata:
        parts = key.split("-", 2)
        if len(parts) == 3 and parts[0] == "r" and parts[1].isdigit() and parts[2] in RECIPIENT_FIELDS:
            edits.setdefault(int(parts[1]), {})[parts[2]] = formdata.get(key, "")
    remove = {int(value) for value in formdata.getlist("remove") if value.isdigit()}
    add = 1 if formdata.get("add_row") else 0
    return edits, remove, add
