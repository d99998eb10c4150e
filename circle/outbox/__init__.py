"""The outbox: every outgoing e-mail is a row, delivered by a worker with retries."""

from flask import Blueprint

bp = Blueprint("outbox", __name__)
