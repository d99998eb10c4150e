"""The moderation queue and the audit log, per group and for programme-wide threads."""

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from circle.database import utcnow
from circle.extensions import db
from circle.forms_util import perform
from circle.groups.models import Group
from circle.moderation import bp
from circle.moderation import services as audit
from circle.permissions import can_moderate_thread, can_view_audit_log
from circle.programmes.models import Programme
from circle.threads import services as threads
from circle.threads.forms import ReasonForm
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
        reports=threads.open_reports(Thread.group_id == group.id),
        log=audit.entries(programme_id=group.programme_id, group_id=group.id),
        reason_form=ReasonForm(),
        audit_labels=audit.ACTION_LABELS,
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
        reports=threads.open_reports(scope),
        log=audit.entries(programme_id=programme.id, group_id=None),
        reason_form=ReasonForm(),
        audit_labels=audit.ACTION_LABELS,
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
            lambda: threads.dismiss_report(
                report, reason=form.reason.data or "", by=current_user, now=utcnow()
            ),
            _("The report has been dismissed."),
        )
    if thread.group_id:
        return redirect(url_for("moderation.group_queue", group_id=thread.group_id))
    return redirect(
        url_for("moderation.programme_queue", programme_id=thread.programme_id)
    )
