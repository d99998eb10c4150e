"""Live session boards: columns of cards that fill up in real time during a session."""

from flask import Blueprint

bp = Blueprint("boards", __name__)
