"""Spreadsheet exports: CSV that Excel opens as UTF-8 and never runs as a formula.

Every CSV Circle offers goes through `csv_response`, so text that people typed
(a card reading ``=HYPERLINK(...)``, a name starting with ``@``) reaches the
spreadsheet as text. The rule is OWASP's: a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading apostrophe. defusedcsv
does the same but leaves tab and carriage return alone, hence these few lines.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from numbers import Number

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """The cell as Excel should see it: numbers stay numbers, text never a formula."""
    if value is None:
        return ""
    if isinstance(value, Number) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def excel_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """Semicolon-separated CSV with a byte-order mark, as Dutch Excel opens it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    # The byte-order mark makes Excel read the file as UTF-8 (é, ë, €).
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_response(
    header: Sequence[object], rows: Iterable[Sequence[object]], filename: str
) -> Response:
    """A download of `excel_csv(header, rows)` named `filename`."""
    return Response(
        excel_csv(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
