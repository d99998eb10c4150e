"""Applications ("aanmeldingen") with a concrete project, and the adviser's intake."""

from flask import Blueprint

bp = Blueprint("intake", __name__)
