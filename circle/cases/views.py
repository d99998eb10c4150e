"""The case page: a municipality's project within the programme."""

from flask import abort, render_template
from flask_login import current_user

from circle.cases import bp
from circle.cases.models import Case
from circle.extensions import db
from circle.permissions import can_view_case


@bp.route("/cases/<int:case_id>")
def detail(case_id: int):
    case = db.get_or_404(Case, case_id)
    if not can_view_case(current_user, case):
        abort(404)
    return render_template("cases/detail.html", case=case)
