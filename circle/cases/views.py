"""The case page: a municipality's project within the programme."""

import sqlalchemy as sa
from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from circle import audiences
from circle.boards.actions import organisation_actions
from circle.cases import bp
from circle.cases import services as cases
from circle.cases.forms import ExperienceForm
from circle.cases.models import Case
from circle.database import utcnow
from circle.extensions import db
from circle.forms_util import perform
from circle.permissions import (
    can_open_experience_case,
    can_view_board,
    can_view_case,
)
from circle.programmes.models import Programme
from circle.threads.models import Thread


@bp.route("/cases/<int:case_id>")
def detail(case_id: int):
    case = db.get_or_404(Case, case_id)
    if not can_view_case(current_user, case):
        abort(404)
    conversations = list(
        db.session.scalars(
            sa.select(Thread)
            .where(Thread.case_id == case.id, audiences.readable_threads(current_user))
            .order_by(Thread.last_post_at.desc())
        )
    )
    return render_template(
        "cases/detail.html",
        case=case,
        threads=conversations,
        # Only from sessions this person may see (a group's own sessions are
        # not for everyone who may read the case).
        case_actions=[
            action
            for action in organisation_actions(case.organisation_id, case.programme_id)
            if can_view_board(current_user, action.board)
        ],
    )


@bp.route("/programmes/<int:programme_id>/cases/new", methods=["GET", "POST"])
def create_experience(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    if not can_open_experience_case(current_user, programme):
        abort(403)
    form = ExperienceForm()
    if form.validate_on_submit():
        done = perform(
            lambda: cases.open_experience_case(
                programme,
                title=form.title.data,
                description=form.description.data,
                question=form.question.data or "",
                by=current_user,
                now=utcnow(),
            ),
            _("Your experience has been shared with the programme."),
            form=form,
        )
        if done:
            return redirect(url_for("cases.detail", case_id=done.result.id))
    return render_template("cases/new.html", form=form, programme=programme)
