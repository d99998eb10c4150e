"""Pages that belong to no single feature."""

import redis
import sqlalchemy as sa
from flask import (
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from circle.accounts.forms import LanguageForm
from circle.extensions import db, limiter
from circle.main import bp
from circle.main.pages import home_overview
from circle.security import public


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return render_template("main/index.html")


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
            current_user.language = language
            db.session.commit()
    return redirect(_same_site_referrer() or url_for("main.index"))


def _same_site_referrer() -> str | None:
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        return referrer
    return None


def _check_database() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        current_app.logger.warning("Health check: database unreachable", exc_info=True)
        db.session.rollback()
        return False


def _check_message_queue() -> bool | None:
    url = current_app.config["SOCKETIO_MESSAGE_QUEUE"]
    if not url:
        return None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        current_app.logger.warning(
            "Health check: message queue unreachable", exc_info=True
        )
        return False


@bp.route("/healthz")
@public
@limiter.exempt
def healthz():
    database = _check_database()
    queue = _check_message_queue()
    healthy = database and queue is not False
    body = {
        "status": "ok" if healthy else "error",
        "database": "ok" if database else "error",
        "message_queue": {None: "not configured", True: "ok", False: "error"}[queue],
    }
    return jsonify(body), 200 if healthy else 503
