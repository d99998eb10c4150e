"""Regional learning groups ("leerkringen"): members, join requests, advisers."""

from flask import Blueprint

bp = Blueprint("groups", __name__)
