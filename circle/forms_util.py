"""Shared by forms and views: input filters, form errors, the view transaction."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import Length, Optional

from circle.errors import ServiceError
from circle.extensions import db
from circle.fields import LongTextField


def show_service_error(form, error: ServiceError) -> None:
    """Attach the message to its field when there is one, else flash it."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


def strip_filter(value):
    """Leading and trailing spaces never count, in any text field."""
    return value.strip() if isinstance(value, str) else value


def flash_form_errors(form) -> None:
    """For forms posted from another page: their errors become flash messages."""
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")


@dataclass
class Outcome:
    """What `perform` did: whether the service agreed, and what it returned."""

    ok: bool
    result: Any = None
    error: ServiceError | None = None

    def __bool__(self) -> bool:
        return self.ok


#: A success message: text, a callable giving text (or (text, category)) from
#: the service's result, or None for no message.
Success = str | Callable[[Any], Any] | None


def perform(
    action: Callable[[], Any], success: Success = None, *, form=None
) -> Outcome:
    """Run a service call as the request's one transaction.

    On a refusal (ServiceError) the transaction is rolled back and the reason is
    shown on `form`'s field it names, or flashed; on success the transaction is
    committed and `success` is flashed. Views then redirect or render:

        done = perform(lambda: groups.create_group(...), _("Created."), form=form)
        if done:
            return redirect(url_for("groups.detail", group_id=done.result.id))
    """
    try:
        result = action()
    except ServiceError as error:
        db.session.rollback()
        if form is not None:
            show_service_error(form, error)
        else:
            flash(error.message, "error")
        return Outcome(False, error=error)
    db.session.commit()
    message = success(result) if callable(success) else success
    if message is not None:
        text, category = message if isinstance(message, tuple) else (message, "success")
        flash(text, category)
    return Outcome(True, result)


class ReasonForm(FlaskForm):
    """A button with an optional reason, for actions that are kept on record."""

    reason = LongTextField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Confirm"))
