"""Moderation: reports, the moderation queue and the audit log."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)
