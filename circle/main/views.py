"""Pages that belong to no single feature."""

import sqlalchemy as sa
from flask import (
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from circle.accounts.forms import LanguageForm
from circle.accounts.services import set_language_of
from circle.extensions import db, limiter
from circle.forms_util import perform
from circle.main import bp, health
from circle.main.pages import home_overview
from circle.programmes.models import Programme
from circle.security import public


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    # Visitors find each programme's public page and its bundle of tips here.
    programmes = db.session.scalars(
        sa.select(Programme).order_by(Programme.starts_on.desc())
    ).all()
    return render_template("main/index.html", programmes=programmes)


@bp.route("/home")
def home():
    return render_template("main/home.html", **home_overview(current_user))


@bp.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        language = form.language.data
        session["language"] = language
        if current_user.is_authenticated:
            perform(lambda: set_language_of(current_user, language))
    return redirect(_same_site_referrer() or url_for("main.index"))


def _same_site_referrer() -> str | None:
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        return referrer
    return None


@bp.route("/healthz")
@public
@limiter.exempt
def healthz():
    body = health.report()
    return jsonify(body), 200 if body["status"] == "ok" else 503
