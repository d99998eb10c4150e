"""Case threads: conversations in a group or programme-wide, with search."""

from flask import Blueprint

bp = Blueprint("threads", __name__)
