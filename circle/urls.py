"""Absolute URLs for e-mails and calendar files, also outside a request (CLI)."""

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """`BASE_URL` plus the path of `endpoint`; needs an app context, not a request."""
    base = current_app.config["BASE_URL"].rstrip("/")
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc or "localhost", script_name=parts.path
    )
    return f"{parts.scheme}://{parts.netloc}" + adapter.build(endpoint, values)
