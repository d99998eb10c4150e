"""Cases: each accepted municipality's project, and initiators' experiences."""

from flask import Blueprint

bp = Blueprint("cases", __name__)
