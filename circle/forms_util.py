"""Helpers shared by forms and views: input filters, choices, service errors."""

from flask import flash

from circle.errors import ServiceError
from circle.extensions import db


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


def perform(action, success) -> bool:
    """Run a service call as the request's one transaction.

    On a refusal the transaction is rolled back and the reason flashed; on
    success it is committed and `success` (a message, or a callable giving one
    from the action's result) is flashed.
    """
    try:
        result = action()
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    flash(success(result) if callable(success) else success, "success")
    return True
