"""Accounts and organisations: registration, invitations, login, profile."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
