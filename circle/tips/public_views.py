"""The public face of a programme, without login: what it offers and how to
apply, and its bundle of published tips with the short reports (HTML to print,
PDF, Markdown, CSV).

Only tips published to everyone with every author's consent appear, with the
names of those who agreed to be named. The pages are answered from a
ETag of their own body and a short public cache; a visitor costs the same number
of queries however many tips there are, and the PDF is rendered once per version
(a small cache per process) and rate-limited per address.
"""

import hashlib
import re
from collections import OrderedDict
from datetime import date

import sqlalchemy as sa
from flask import Response, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from circle.exports import csv_response
from circle.extensions import db, limiter
from circle.groups.models import Group
from circle.meetings.models import Meeting
from circle.pdf import html_to_pdf
from circle.programmes.models import Programme
from circle.programmes.timeline import build_timeline
from circle.security import public
from circle.tips import bp
from circle.tips.lists import public_tips
from circle.tips.models import ReportStatus, SessionReport, TipAudience

#: Browsers and proxies may keep a public page this long (seconds).
PUBLIC_MAX_AGE = 300


def _programme(programme_id: int) -> Programme:
    return db.get_or_404(Programme, programme_id)


#: The language buttons' form token differs per visitor and per render; it is
#: not what the page shows, so the ETag leaves it out.
CSRF_FIELD = re.compile(rb'name="csrf_token"[^>]*value="[^"]*"')


def _cached(response: Response) -> Response:
    """Validated by the body itself: whatever changes what a page shows (a tip,
    a consent, a name, a renamed theme, the language, the day on the timeline)
    changes its ETag; an unchanged page costs the visitor only a 304."""
    shown = CSRF_FIELD.sub(b"", response.get_data())
    response.set_etag(hashlib.sha256(shown).hexdigest())
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response.make_conditional(request)


#: Rendered PDFs by the hash of their HTML: WeasyPrint takes seconds for a big
#: bundle, so the same bundle is rendered once per process, not per visitor.
_PDF_CACHE: OrderedDict[str, bytes] = OrderedDict()
PDF_CACHE_SIZE = 8


def _pdf_for(html: str) -> bytes:
    key = hashlib.sha256(CSRF_FIELD.sub(b"", html.encode())).hexdigest()
    if key in _PDF_CACHE:
        _PDF_CACHE.move_to_end(key)
        return _PDF_CACHE[key]
    body = html_to_pdf(html)
    _PDF_CACHE[key] = body
    while len(_PDF_CACHE) > PDF_CACHE_SIZE:
        _PDF_CACHE.popitem(last=False)
    return body


def published_reports(programme: Programme) -> list[tuple[Meeting, SessionReport]]:
    rows = db.session.execute(
        sa.select(Meeting, SessionReport)
        .join(SessionReport, SessionReport.meeting_id == Meeting.id)
        .where(
            Meeting.programme_id == programme.id,
            SessionReport.status == ReportStatus.PUBLISHED,
        )
        .order_by(Meeting.starts_at)
    ).all()
    return [(meeting, report) for meeting, report in rows]


def bundle(programme: Programme) -> OrderedDict:
    """audience -> theme label -> tips, in the order the bundle prints them."""
    grouped: OrderedDict = OrderedDict()
    for audience in TipAudience:
        grouped[audience] = OrderedDict()
    other = _("Other")
    for tip in public_tips(programme):
        theme = tip.themes[0].label if tip.themes else other
        grouped[tip.audience].setdefault(theme, []).append(tip)
    return OrderedDict((a, themes) for a, themes in grouped.items() if themes)


@bp.route("/public/programmes/<int:programme_id>")
@public
def programme_page(programme_id: int):
    programme = _programme(programme_id)
    regions = db.session.scalars(
        sa.select(Group)
        .where(Group.programme_id == programme.id)
        .options(selectinload(Group.region))
        .order_by(Group.name)
    ).all()
    tips = public_tips(programme)
    html = render_template(
        "tips/public_programme.html",
        programme=programme,
        timeline=build_timeline(programme, today=date.today()),
        groups=regions,
        tips=tips[:10],
        tip_count=len(tips),
        reports=published_reports(programme),
    )
    return _cached(Response(html))


def _bundle_html(programme: Programme, *, for_pdf: bool = False) -> str:
    return render_template(
        "tips/bundle.html",
        programme=programme,
        bundle=bundle(programme),
        reports=published_reports(programme),
        for_pdf=for_pdf,
    )


@bp.route("/public/programmes/<int:programme_id>/tips")
@public
def bundle_page(programme_id: int):
    return _cached(Response(_bundle_html(_programme(programme_id))))


@bp.route("/public/programmes/<int:programme_id>/tips.pdf")
@public
@limiter.limit("20 per minute")  # a PDF is heavy: one address cannot flood it
def bundle_pdf(programme_id: int):
    programme = _programme(programme_id)
    response = Response(
        _pdf_for(_bundle_html(programme, for_pdf=True)), mimetype="application/pdf"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="circle-tips-{programme.id}.pdf"'
    )
    return _cached(response)


@bp.route("/public/programmes/<int:programme_id>/tips.md")
@public
def bundle_markdown(programme_id: int):
    programme = _programme(programme_id)
    text = render_template(
        "tips/bundle.md",
        programme=programme,
        bundle=bundle(programme),
        reports=published_reports(programme),
        page_url=url_for("tips.bundle_page", programme_id=programme.id, _external=True),
    )
    response = Response(text, mimetype="text/markdown")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="circle-tips-{programme.id}.md"'
    )
    return _cached(response)


@bp.route("/public/programmes/<int:programme_id>/tips.csv")
@public
def bundle_csv(programme_id: int):
    programme = _programme(programme_id)
    header = [
        _("Title"),
        _("Tip"),
        _("Who does what"),
        _("Themes"),
        _("Principles"),
        _("Score"),
        _("Authors"),
    ]
    rows = [
        [
            tip.title,
            tip.text,
            tip.audience.label,
            "; ".join(theme.label for theme in tip.themes),
            "; ".join(principle.label for principle in tip.principles),
            tip.score,
            "; ".join(tip.public_names),
        ]
        for tip in public_tips(programme)
    ]
    return _cached(csv_response(header, rows, f"circle-tips-{programme.id}.csv"))
