"""Form fields that refuse what a text of their kind may not hold.

A line break in a name or title would reach e-mail headers and iCalendar lines;
NUL cannot be stored by PostgreSQL; U+2028/U+2029 break lines in some clients.
Every form uses these instead of WTForms' plain text fields, so bad input gets a
message at the form and never reaches a service.
"""

import re
import secrets
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import Optional, Regexp, ValidationError

#: Control characters (C0 and C1, DEL) and the Unicode line and paragraph separators.
_SINGLE_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: The same, but tabs and line breaks are what multi-line text is made of.
_LONG_TEXT_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

#: Dates before or after this are typing mistakes (year 1, year 9999), not plans.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _line_breaks_to_lf(value):
    if not isinstance(value, str):
        return value
    for separator in ("\r\n", "\r", "\u2028", "\u2029"):
        value = value.replace(separator, "\n")
    return value


class _Checked:
    forbidden: re.Pattern
    message = _l("Remove the line breaks and special characters from this field.")

    def pre_validate(self, form):
        if isinstance(self.data, str) and self.forbidden.search(self.data):
            raise ValidationError(self.message)


class SingleLineField(_Checked, StringField):
    """One line of text: surrounding spaces trimmed, line breaks refused."""

    forbidden = _SINGLE_LINE_FORBIDDEN

    def __init__(self, label=None, validators=None, filters=(), **kwargs):
        super().__init__(label, validators, filters=[_strip, *filters], **kwargs)


class EmailAddressField(_Checked, EmailField):
    forbidden = _SINGLE_LINE_FORBIDDEN

    def __init__(self, label=None, validators=None, filters=(), **kwargs):
        super().__init__(label, validators, filters=[_strip, *filters], **kwargs)


class LongTextField(_Checked, TextAreaField):
    """Several lines: trimmed, every kind of line break stored as a newline,
    other control characters refused."""

    forbidden = _LONG_TEXT_FORBIDDEN
    message = _l("Remove the special characters from this text.")

    def __init__(self, label=None, validators=None, filters=(), **kwargs):
        super().__init__(
            label, validators, filters=[_strip, _line_breaks_to_lf, *filters], **kwargs
        )


def new_submission_key() -> str:
    return secrets.token_urlsafe(16)


class SubmissionKeyField(HiddenField):
    """A random key rendered into a form that creates something: the service
    finds an earlier item with the same key instead of making a second one, so a
    double click or a resent form gives one reply, thread or application."""

    def __init__(self, **kwargs):
        super().__init__(
            default=new_submission_key,
            validators=[
                Optional(),
                Regexp(r"^[A-Za-z0-9_-]{8,64}$", message=_l("Reload the page.")),
            ],
            **kwargs,
        )


def sensible_date(form, field) -> None:
    """A validator for date and date-time fields: years 2000 to 2100 only."""
    value = field.data
    if isinstance(value, datetime | date) and not (
        EARLIEST_YEAR <= value.year <= LATEST_YEAR
    ):
        raise ValidationError(
            _l(
                "Give a date between %(first)s and %(last)s.",
                first=EARLIEST_YEAR,
                last=LATEST_YEAR,
            )
        )
