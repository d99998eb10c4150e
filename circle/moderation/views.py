"""Reports, hiding posts, locking, pinning and moving threads; the moderation
queue and the audit log, per group and for programme-wide threads."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from circle.database import utcnow
from circle.extensions import db
from circle.forms_util import ReasonForm, flash_form_errors, perform
from circle.groups.models import Group
from circle.moderation import bp
from circle.moderation import services as moderation
from circle.permissions import (
    can_moderate_thread,
    can_view_audit_log,
    can_view_thread,
)
from circle.programmes.models import Programme
from circle.threads.access import load_post, load_thread
from circle.threads.forms import PROGRAMME_WIDE
from circle.threads.models import Report, Thread


@bp.route("/groups/<int:group_id>/moderation")
def group_queue(group_id: int):
    group = db.get_or_404(Group, group_id)
    if not can_view_audit_log(current_user, group.programme, group):
        abort(403)
    return render_template(
        "moderation/queue.html",
        programme=group.programme,
        group=group,
        reports=moderation.open_reports(Thread.group_id == group.id),
        log=moderation.entries(programme_id=group.programme_id, group_id=group.id),
        reason_form=ReasonForm(),
        audit_labels=moderation.ACTION_LABELS,
    )


@bp.route("/programmes/<int:programme_id>/moderation")
def programme_queue(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    if not can_view_audit_log(current_user, programme, None):
        abort(403)
    scope = (Thread.programme_id == programme.id) & Thread.group_id.is_(None)
    return render_template(
        "moderation/queue.html",
        programme=programme,
        group=None,
        reports=moderation.open_reports(scope),
        log=moderation.entries(programme_id=programme.id, group_id=None),
        reason_form=ReasonForm(),
        audit_labels=moderation.ACTION_LABELS,
    )


@bp.route("/reports/<int:report_id>/dismiss", methods=["POST"])
def dismiss(report_id: int):
    report = db.get_or_404(Report, report_id)
    thread = report.post.thread
    if not can_moderate_thread(current_user, thread):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        perform(
            lambda: moderation.dismiss_report(
                report, reason=form.reason.data or "", by=current_user, now=utcnow()
            ),
            _("The report has been dismissed."),
        )
    if thread.group_id:
        return redirect(url_for("moderation.group_queue", group_id=thread.group_id))
    return redirect(
        url_for("moderation.programme_queue", programme_id=thread.programme_id)
    )


@bp.route("/posts/<int:post_id>/report", methods=["POST"])
def report(post_id: int):
    post = load_post(post_id)
    form = ReasonForm()
    if form.validate_on_submit():
        perform(
            lambda: moderation.report_post(
                post, form.reason.data, by=current_user, now=utcnow()
            ),
            _("Thank you. The advisers will look at this post."),
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("threads.post", post_id=post.id))


@bp.route("/posts/<int:post_id>/<any(hide, restore):action>", methods=["POST"])
def hide(post_id: int, action: str):
    post = load_post(post_id)
    if not can_moderate_thread(current_user, post.thread):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        hidden = action == "hide"
        perform(
            lambda: moderation.set_post_hidden(
                post,
                hidden,
                reason=form.reason.data or "",
                by=current_user,
                now=utcnow(),
            ),
            _("The post is hidden.") if hidden else _("The post is visible again."),
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("threads.post", post_id=post.id))


@bp.route(
    "/threads/<int:thread_id>/<any(lock, unlock, pin, unpin):action>", methods=["POST"]
)
def flag(thread_id: int, action: str):
    thread = load_thread(thread_id)
    if not can_moderate_thread(current_user, thread):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        value = not action.startswith("un")
        messages = {
            "lock": _("The conversation is closed for new replies."),
            "unlock": _("The conversation is open again."),
            "pin": _("The conversation is pinned to the top."),
            "unpin": _("The conversation is no longer pinned."),
        }
        perform(
            lambda: moderation.set_thread_flag(
                thread,
                action.removeprefix("un"),
                value,
                reason=form.reason.data or "",
                by=current_user,
                now=utcnow(),
            ),
            messages[action],
        )
    return redirect(url_for("threads.detail", thread_id=thread.id))


@bp.route("/threads/<int:thread_id>/move", methods=["POST"])
def move(thread_id: int):
    thread = load_thread(thread_id)
    if not can_moderate_thread(current_user, thread):
        abort(403)
    where = request.form.get("where", "")
    if where != PROGRAMME_WIDE and not where.isdigit():
        abort(400)
    form = ReasonForm()
    if form.validate_on_submit():
        perform(
            lambda: moderation.move_thread(
                thread,
                None if where == PROGRAMME_WIDE else int(where),
                reason=form.reason.data or "",
                by=current_user,
                now=utcnow(),
            ),
            _("The conversation has been moved."),
        )
    if not can_view_thread(current_user, thread):
        return redirect(url_for("main.home"))
    return redirect(url_for("threads.detail", thread_id=thread.id))
