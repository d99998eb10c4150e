"""Tips and lessons: harvested from boards, credited with consent, bundled and
published ("80 tips"), with the short reports of sessions."""

from flask import Blueprint

bp = Blueprint("tips", __name__)
