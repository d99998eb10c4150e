"""PDF downloads: the same HTML as a printable page, rendered by WeasyPrint.

WeasyPrint needs Pango from the operating system (`make system-packages`
installs it). Rendering never reaches the network: the only files a page may
pull in are Circle's own under /static/, read from disk. That keeps a
user-written image link from making the server fetch an address (SSRF) and
keeps rendering fast and deterministic.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Response, current_app
from werkzeug.security import safe_join

#: Never contacted: it only gives relative and /static/ links an absolute form.
BASE_URL = "https://circle.invalid/"
STATIC_PREFIX = BASE_URL + "static/"


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_folder = current_app.static_folder

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = None
            if url.startswith(STATIC_PREFIX):
                relative = url[len(STATIC_PREFIX) :].split("?")[0]
                path = safe_join(static_folder, relative)
            if path is None or not Path(path).is_file():
                raise ValueError(f"Only Circle's own static files are used: {url}")
            kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
            body = Path(path).read_bytes()
            return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})

    return StaticOnly()


def html_to_pdf(html: str) -> bytes:
    """The PDF of a complete HTML page (its print stylesheet applies)."""
    # Imported here: WeasyPrint loads Pango when imported, which only the pages
    # that render PDFs should pay for.
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).write_pdf()


def pdf_response(html: str, filename: str) -> Response:
    return Response(
        html_to_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
