"""Programmes: the year, its phases and themes, and the timeline picture."""

from flask import Blueprint

bp = Blueprint("programmes", __name__)
