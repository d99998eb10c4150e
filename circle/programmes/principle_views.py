"""The nine principles: a page everyone signed in can read, edited by admins."""

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from circle.extensions import db
from circle.forms_util import perform
from circle.permissions import can_edit_principles, signed_in
from circle.programmes import bp
from circle.programmes.forms import PrincipleForm
from circle.programmes.models import Principle
from circle.programmes.principles import list_principles, update_principle


@bp.route("/principles")
def principles():
    if not signed_in(current_user):
        abort(403)
    return render_template("programmes/principles.html", principles=list_principles())


@bp.route("/principles/<int:principle_id>/edit", methods=["GET", "POST"])
def edit_principle(principle_id: int):
    principle = db.get_or_404(Principle, principle_id)
    if not can_edit_principles(current_user):
        abort(403)
    form = PrincipleForm(obj=principle)
    if form.validate_on_submit():
        done = perform(
            lambda: update_principle(
                principle,
                form.name.data,
                form.name_en.data,
                form.description.data or "",
                by=current_user,
            ),
            _("The principle has been saved."),
            form=form,
        )
        if done:
            return redirect(url_for("programmes.principles"))
    return render_template(
        "programmes/principle_form.html", form=form, principle=principle
    )
