"""Landing page, personal home, language switch and the health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from circle.main import views  # noqa: E402,F401
