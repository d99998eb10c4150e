"""Notices and notification settings: what people are told, and how they choose."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)
