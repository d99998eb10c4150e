"""The admins' view of the outbox: what waits, what failed and why; retry or discard."""

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from circle.accounts.forms import ConfirmForm
from circle.database import utcnow
from circle.extensions import db
from circle.forms_util import perform
from circle.jobs.models import JobLease
from circle.jobs.schedule import JOBS
from circle.outbox import bp
from circle.outbox import services as outbox
from circle.outbox.models import OutboxMessage
from circle.permissions import can_manage_outbox


@bp.route("/admin/outbox")
def index():
    if not can_manage_outbox(current_user):
        abort(403)
    view = request.args.get("view", "waiting")
    if view not in outbox.VIEWS:
        abort(404)
    leases = {lease.name: lease for lease in db.session.scalars(sa.select(JobLease))}
    return render_template(
        "outbox/index.html",
        view=view,
        pagination=outbox.messages(view, request.args.get("page", 1, type=int)),
        state=outbox.state(now=utcnow()),
        jobs=[(job, leases.get(job.name)) for job in JOBS],
        form=ConfirmForm(),
    )


@bp.route(
    "/admin/outbox/<int:message_id>/<any(retry, discard):action>", methods=["POST"]
)
def act(message_id: int, action: str):
    if not can_manage_outbox(current_user):
        abort(403)
    message = db.get_or_404(OutboxMessage, message_id)
    if ConfirmForm().validate_on_submit():
        if action == "retry":
            perform(
                lambda: outbox.retry_message(message, by=current_user, now=utcnow()),
                _("The message will be sent again."),
            )
        else:
            perform(
                lambda: outbox.discard_message(message, by=current_user, now=utcnow()),
                _("The message has been discarded."),
            )
    return redirect(url_for("outbox.index", view=request.args.get("view", "failed")))
