"""Absolute URLs for e-mails and calendar files, also outside a request (CLI)."""

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter

#: The largest id a row can have (PostgreSQL's integer, the same on SQLite here).
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every route: ids from 1 to MAX_ID. A larger number is a 404,
    never an overflow error from the database."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def external_url(endpoint: str, **values) -> str:
    """`BASE_URL` plus the path of `endpoint`; needs an app context, not a request."""
    base = current_app.config["BASE_URL"].rstrip("/")
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc or "localhost", script_name=parts.path
    )
    return f"{parts.scheme}://{parts.netloc}" + adapter.build(endpoint, values)
