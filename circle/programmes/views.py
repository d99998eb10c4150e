"""Programme pages: list, create, edit, themes and the timeline."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from circle.database import utcnow
from circle.extensions import db
from circle.forms_util import flash_form_errors, perform
from circle.permissions import can_edit_programme, can_manage_programmes
from circle.programmes import bp
from circle.programmes import services as programmes
from circle.programmes.forms import ProgrammeForm, ThemeForm
from circle.programmes.models import PhaseKind, Programme
from circle.programmes.pages import programme_overview
from circle.timezones import utc_to_local


def _adviser_choices(form: ProgrammeForm) -> None:
    form.adviser_ids.choices = [
        SelectChoice(adviser.id, adviser.name) for adviser in programmes.list_advisers()
    ]


def _programme_data(form: ProgrammeForm) -> programmes.ProgrammeData:
    return programmes.ProgrammeData(
        name=form.name.data,
        description=form.description.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        adviser_ids=form.adviser_ids.data or [],
        contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data or "",
        contact_phone=form.contact_phone.data or "",
    )


@bp.route("/programmes")
def index():
    return render_template(
        "programmes/index.html", programmes=programmes.list_programmes()
    )


@bp.route("/programmes/new", methods=["GET", "POST"])
def create():
    if not can_manage_programmes(current_user):
        abort(403)
    form = ProgrammeForm()
    _adviser_choices(form)
    if form.validate_on_submit():
        done = perform(
            lambda: programmes.create_programme(_programme_data(form), by=current_user),
            _("The programme has been created."),
            form=form,
        )
        if done:
            return redirect(url_for("programmes.detail", programme_id=done.result.id))
    return render_template("programmes/form.html", form=form, programme=None)


@bp.route("/programmes/<int:programme_id>")
def detail(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    today = utc_to_local(utcnow()).date()
    return render_template(
        "programmes/detail.html",
        **programme_overview(programme, current_user, today=today),
        theme_form=ThemeForm(),
    )


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
def edit(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    if not can_edit_programme(current_user, programme):
        abort(403)
    form = ProgrammeForm(obj=programme)
    _adviser_choices(form)
    if request.method == "GET":
        form.adviser_ids.data = [adviser.id for adviser in programme.advisers]
        by_kind = {phase.kind: phase for phase in programme.phases}
        while form.phases.entries:
            form.phases.pop_entry()
        for kind in PhaseKind:
            phase = by_kind.get(kind)
            form.phases.append_entry(
                {
                    "kind": kind.value,
                    "starts_on": phase.starts_on if phase else programme.starts_on,
                    "ends_on": phase.ends_on if phase else programme.starts_on,
                }
            )
    if form.validate_on_submit():
        try:
            phases = [
                programmes.PhaseData(
                    PhaseKind(entry.form.kind.data),
                    entry.form.starts_on.data,
                    entry.form.ends_on.data,
                )
                for entry in form.phases
            ]
        except ValueError:
            abort(400)
        done = perform(
            lambda: programmes.update_programme(
                programme, _programme_data(form), phases, by=current_user
            ),
            _("The programme has been saved."),
            form=form,
        )
        if done:
            return redirect(url_for("programmes.detail", programme_id=programme.id))
    phase_labels = {kind.value: kind.label for kind in PhaseKind}
    return render_template(
        "programmes/form.html",
        form=form,
        programme=programme,
        phase_labels=phase_labels,
    )


@bp.route("/programmes/<int:programme_id>/themes", methods=["POST"])
def add_theme(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    if not can_edit_programme(current_user, programme):
        abort(403)
    form = ThemeForm()
    if form.validate_on_submit():
        perform(
            lambda: programmes.add_theme(
                programme, form.name.data, form.name_en.data, by=current_user
            ),
            _("The theme has been added."),
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("programmes.detail", programme_id=programme.id) + "#themes")
