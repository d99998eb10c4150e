"""Accounts and organisations: registration, invitations, login, profile."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from circle.accounts import views  # noqa: E402,F401
