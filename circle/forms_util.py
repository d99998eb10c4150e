"""Helpers shared by forms and views: input filters, choices, service errors."""

from flask import flash

from circle.errors import ServiceError


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
