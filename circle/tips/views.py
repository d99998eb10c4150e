"""Tips inside Circle: harvesting a board, the programme's library, a tip,
editing and publishing, consent, and a session's report."""

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from circle.boards.models import Board
from circle.database import utcnow
from circle.extensions import db
from circle.forms_util import perform
from circle.groups.models import Group
from circle.meetings.models import Meeting
from circle.meetings.views import load_meeting
from circle.permissions import (
    can_answer_consent,
    can_harvest_board,
    can_manage_tips,
    can_view_report,
    can_view_thread,
    can_view_tip,
    can_view_tip_origin,
    can_view_tips,
    can_write_report,
)
from circle.programmes.models import Programme
from circle.programmes.principles import list_principles
from circle.security import public
from circle.threads import files
from circle.threads.models import Post, Thread
from circle.tips import bp, lists, reports
from circle.tips import services as tips
from circle.tips.forms import (
    ConsentForm,
    HarvestForm,
    MergeForm,
    PublishForm,
    ReportForm,
    TipForm,
    audience_choices,
)
from circle.tips.models import (
    STATUS_LABELS,
    Consent,
    ReportAttachment,
    SessionReport,
    Tip,
    TipAudience,
    TipStatus,
)


def _int(name: str) -> int | None:
    value = request.args.get(name, "")
    # isascii: "²".isdigit() is true, but int("²") fails.
    ok = value.isascii() and value.isdigit() and len(value) < 12
    return int(value) if ok else None


@bp.route("/boards/<int:board_id>/harvest", methods=["GET", "POST"])
def harvest(board_id: int):
    board = db.get_or_404(Board, board_id)
    if not can_harvest_board(current_user, board):
        abort(404 if not can_view_tips(current_user, board.meeting.programme) else 403)
    candidates = tips.harvest_candidates(board)
    form = HarvestForm()
    form.card_ids.choices = [SelectChoice(c.card.id, c.card.text) for c in candidates]
    if not form.is_submitted():
        form.card_ids.data = [c.card.id for c in candidates if c.preselected]
    if form.validate_on_submit():
        done = perform(
            lambda: tips.harvest(
                board, form.card_ids.data or [], by=current_user, now=utcnow()
            ),
            lambda made: _("%(count)s draft tips made.", count=len(made)),
            form=form,
        )
        if done:
            return redirect(
                url_for(
                    "tips.library",
                    programme_id=board.meeting.programme_id,
                    meeting=board.meeting_id,
                )
            )
    return render_template(
        "tips/harvest.html", board=board, candidates=candidates, form=form
    )


@bp.route("/posts/<int:post_id>/tip", methods=["POST"])
def from_post(post_id: int):
    post = db.get_or_404(Post, post_id)
    if not can_view_thread(current_user, post.thread):
        abort(404)
    if not can_manage_tips(current_user, post.thread.programme):
        abort(403)
    done = perform(
        lambda: tips.tip_from_post(post, by=current_user, now=utcnow()),
        _("A draft tip has been made of the post; edit it here."),
    )
    if done:
        return redirect(url_for("tips.edit", tip_id=done.result.id))
    return redirect(url_for("threads.post", post_id=post.id))


@bp.route("/programmes/<int:programme_id>/tips")
def library(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    if not can_view_tips(current_user, programme):
        abort(403)
    manager = can_manage_tips(current_user, programme)
    filters = lists.Filters(
        theme_id=_int("theme"),
        audience=request.args.get("audience") or None,
        principle_id=_int("principle"),
        group_id=_int("group"),
        meeting_id=_int("meeting"),
        query=request.args.get("q", "")[:200],
        order="date" if request.args.get("order") == "date" else "score",
    )
    found = lists.library(programme, drafts=manager, filters=filters)
    merge_form = MergeForm() if manager else None
    if merge_form is not None:
        merge_form.tip_ids.choices = [
            SelectChoice(tip.id, tip.title)
            for tip in found
            if tip.status == TipStatus.DRAFT
        ]
    groups = db.session.scalars(
        db.select(Group).where(Group.programme_id == programme.id).order_by(Group.name)
    ).all()
    meetings = db.session.scalars(
        db.select(Meeting)
        .where(
            Meeting.programme_id == programme.id,
            Meeting.id.in_(
                db.select(Tip.meeting_id).where(Tip.programme_id == programme.id)
            ),
        )
        .order_by(Meeting.starts_at)
    ).all()
    return render_template(
        "tips/library.html",
        programme=programme,
        tips=found,
        filters=filters,
        audiences=list(TipAudience),
        principles=list_principles(),
        groups=groups,
        meetings=meetings,
        merge_form=merge_form,
        manager=manager,
    )


@bp.route("/programmes/<int:programme_id>/tips/merge", methods=["POST"])
def merge(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    if not can_manage_tips(current_user, programme):
        abort(403)
    form = MergeForm()
    form.tip_ids.choices = [
        SelectChoice(tip.id, tip.title) for tip in lists.library(programme, drafts=True)
    ]
    if not form.validate_on_submit():
        abort(400)
    chosen = [db.session.get(Tip, tip_id) for tip_id in form.tip_ids.data or []]
    done = perform(
        lambda: tips.merge_tips(chosen, by=current_user, now=utcnow()),
        _("The tips are merged into one."),
    )
    if done:
        return redirect(url_for("tips.detail", tip_id=done.result.id))
    return redirect(url_for("tips.library", programme_id=programme.id))


def _status_choices() -> list[SelectChoice]:
    return [SelectChoice(status.value, STATUS_LABELS[status]) for status in TipStatus]


def _load_tip(tip_id: int) -> Tip:
    tip = db.get_or_404(Tip, tip_id)
    if not can_view_tip(current_user, tip):
        abort(404)
    return tip


@bp.route("/tips/<int:tip_id>")
@public  # a tip published to everyone is linked from the public bundle
def detail(tip_id: int):
    tip = _load_tip(tip_id)
    board = db.session.get(Board, tip.board_id) if tip.board_id else None
    manager = can_manage_tips(current_user, tip.programme)
    publish_form = None
    if manager:
        publish_form = PublishForm(status=tip.status.value)
        publish_form.status.choices = _status_choices()
    thread = db.session.get(Thread, tip.thread_id) if tip.thread_id else None
    if thread is not None and not (
        current_user.is_authenticated and can_view_thread(current_user, thread)
    ):
        thread = None
    # Inside the programme every author is credited; in public only those who
    # agreed to be named.
    insider = current_user.is_authenticated and can_view_tips(
        current_user, tip.programme
    )
    return render_template(
        "tips/detail.html",
        tip=tip,
        credits=tip.inside_names if insider else tip.public_names,
        board=board if can_view_tip_origin(current_user, tip, board) else None,
        thread=thread,
        manager=manager,
        publish_form=publish_form,
    )


@bp.route("/tips/<int:tip_id>/edit", methods=["GET", "POST"])
def edit(tip_id: int):
    tip = _load_tip(tip_id)
    if not can_manage_tips(current_user, tip.programme):
        abort(403)
    form = TipForm(obj=tip)
    form.audience.choices = audience_choices()
    form.theme_ids.choices = [SelectChoice(t.id, t.label) for t in tip.programme.themes]
    form.principle_ids.choices = [
        SelectChoice(p.id, p.label) for p in list_principles()
    ]
    if not form.is_submitted():
        form.audience.data = tip.audience.value
        form.theme_ids.data = [theme.id for theme in tip.themes]
        form.principle_ids.data = [principle.id for principle in tip.principles]
    if form.validate_on_submit():
        data = tips.TipData(
            title=form.title.data,
            text=form.text.data,
            audience=form.audience.data,
            score=form.score.data,
            theme_ids=form.theme_ids.data or [],
            principle_ids=form.principle_ids.data or [],
        )
        done = perform(
            lambda: tips.update_tip(tip, data, by=current_user, now=utcnow()),
            _("The tip has been saved."),
            form=form,
        )
        if done:
            return redirect(url_for("tips.detail", tip_id=tip.id))
    return render_template("tips/form.html", tip=tip, form=form)


@bp.route("/tips/<int:tip_id>/publish", methods=["POST"])
def publish(tip_id: int):
    tip = _load_tip(tip_id)
    if not can_manage_tips(current_user, tip.programme):
        abort(403)
    form = PublishForm()
    form.status.choices = _status_choices()
    if form.validate_on_submit():
        status = TipStatus(form.status.data)
        perform(
            lambda: tips.publish(tip, status, by=current_user, now=utcnow()),
            _("Saved: %(status)s.", status=status.label)
            if status != TipStatus.PUBLIC or not tip.authors
            else _("Saved. The authors are asked whether it may be published."),
        )
    return redirect(url_for("tips.detail", tip_id=tip.id))


@bp.route("/tips/<int:tip_id>/consent", methods=["GET", "POST"])
def consent(tip_id: int):
    tip = db.get_or_404(Tip, tip_id)
    if not can_answer_consent(current_user, tip):
        abort(404)
    form = ConsentForm()
    mine = next(a for a in tip.authors if a.user_id == current_user.id)
    if not form.is_submitted() and mine.consent not in (None, Consent.ASKED):
        form.consent.data = mine.consent.value
    if form.validate_on_submit():
        choice = Consent(form.consent.data)
        done = perform(
            lambda: tips.answer_consent(tip, current_user, choice, now=utcnow()),
            _("Thank you, your answer has been saved."),
            form=form,
        )
        if done:
            return redirect(url_for("tips.consent", tip_id=tip.id))
    return render_template("tips/consent.html", tip=tip, form=form, mine=mine)


def _report_anchor(meeting: Meeting) -> str:
    return url_for("meetings.detail", meeting_id=meeting.id) + "#report"


@bp.route("/sessions/<int:meeting_id>/report", methods=["GET", "POST"])
def report(meeting_id: int):
    meeting = load_meeting(meeting_id)
    if not can_write_report(current_user, meeting):
        abort(403)
    existing = reports.report_of(meeting)
    form = ReportForm(obj=existing)
    if form.validate_on_submit():
        done = perform(
            lambda: reports.save_report(
                meeting,
                form.body.data,
                by=current_user,
                now=utcnow(),
                uploads=[
                    files.Upload(upload.filename, upload.read())
                    for upload in request.files.getlist("attachments")
                    if upload and upload.filename
                ],
            ),
            _("The report has been saved."),
            form=form,
        )
        if done:
            return redirect(
                url_for("meetings.detail", meeting_id=meeting.id) + "#report"
            )
    return render_template(
        "tips/report_form.html",
        meeting=meeting,
        form=form,
        report=existing,
        tips=reports.session_tips(meeting, drafts=True),
    )


@bp.route("/report-files/<int:attachment_id>/<path:filename>")
def report_attachment(attachment_id: int, filename: str):
    item = db.get_or_404(ReportAttachment, attachment_id)
    report = db.session.get(SessionReport, item.report_id)
    meeting = db.session.get(Meeting, report.meeting_id)
    if not can_view_report(current_user, report, meeting):
        abort(404)
    path = files.path_for(item.storage_key)
    if not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=item.content_type,
        as_attachment=not item.content_type.startswith("image/"),
        download_name=item.filename,
        max_age=0,
    )


@bp.route("/sessions/<int:meeting_id>/report/publish", methods=["POST"])
def publish_report(meeting_id: int):
    meeting = load_meeting(meeting_id)
    if not can_write_report(current_user, meeting):
        abort(403)
    existing = reports.report_of(meeting)
    if existing is None:
        abort(404)
    perform(
        lambda: reports.publish_report(existing, by=current_user, now=utcnow()),
        lambda told: _(
            "The report is published; %(count)s people were told.", count=told
        ),
    )
    return redirect(_report_anchor(meeting))
