"""The public face of a programme, without login: what it offers and how to
apply, and its bundle of published tips with the short reports (HTML to print,
PDF, Markdown, CSV).

Only tips published to everyone with every author's consent appear, with the
names of those who agreed to be named. The pages are answered from a
validator over a few aggregates (ETag, a short public cache), so a visitor
costs the same number of queries however many tips there are.
"""

import hashlib
from collections import OrderedDict
from datetime import date

import sqlalchemy as sa
from flask import Response, render_template, request, url_for
from flask_babel import gettext as _

from circle.exports import csv_response
from circle.extensions import db
from circle.groups.models import Group
from circle.meetings.models import Meeting
from circle.pdf import pdf_response
from circle.programmes.models import Programme
from circle.programmes.timeline import build_timeline
from circle.security import public
from circle.tips import bp
from circle.tips.models import (
    ReportStatus,
    SessionReport,
    Tip,
    TipAudience,
    TipAuthor,
    TipStatus,
)
from circle.tips.services import public_tips

#: Browsers and proxies may keep a public page this long (seconds).
PUBLIC_MAX_AGE = 300


def _programme(programme_id: int) -> Programme:
    return db.get_or_404(Programme, programme_id)


def _validator(programme: Programme) -> str:
    """Changes to anything a public page shows give another ETag."""
    tips = db.session.execute(
        sa.select(sa.func.count(Tip.id), sa.func.max(Tip.updated_at)).where(
            Tip.programme_id == programme.id, Tip.status == TipStatus.PUBLIC
        )
    ).one()
    consent = db.session.scalar(
        sa.select(sa.func.max(TipAuthor.decided_at))
        .join(Tip)
        .where(Tip.programme_id == programme.id)
    )
    published = db.session.execute(
        sa.select(
            sa.func.count(SessionReport.id), sa.func.max(SessionReport.updated_at)
        )
        .join(Meeting, Meeting.id == SessionReport.meeting_id)
        .where(
            Meeting.programme_id == programme.id,
            SessionReport.status == ReportStatus.PUBLISHED,
        )
    ).one()
    stamp = (
        f"{programme.id}|{programme.name}|{programme.description}|"
        f"{programme.contact_name}|{programme.contact_email}|{programme.contact_phone}|"
        f"{tuple(tips)}|{consent}|{tuple(published)}|{request.accept_languages}"
    )
    return hashlib.sha256(stamp.encode()).hexdigest()


def _cached(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response.vary.add("Accept-Language")
    return response.make_conditional(request)


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
    etag = _validator(programme)
    if request.if_none_match.contains(etag):
        return _cached(Response(status=304), etag)
    regions = db.session.scalars(
        sa.select(Group).where(Group.programme_id == programme.id).order_by(Group.name)
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
    return _cached(Response(html), etag)


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
    programme = _programme(programme_id)
    etag = _validator(programme)
    if request.if_none_match.contains(etag):
        return _cached(Response(status=304), etag)
    return _cached(Response(_bundle_html(programme)), etag)


@bp.route("/public/programmes/<int:programme_id>/tips.pdf")
@public
def bundle_pdf(programme_id: int):
    programme = _programme(programme_id)
    etag = _validator(programme) + "-pdf"
    if request.if_none_match.contains(etag):
        return _cached(Response(status=304), etag)
    response = pdf_response(
        _bundle_html(programme, for_pdf=True), f"circle-tips-{programme.id}.pdf"
    )
    return _cached(response, etag)


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
    return _cached(response, _validator(programme) + "-md")


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
    return csv_response(header, rows, f"circle-tips-{programme.id}.csv")
