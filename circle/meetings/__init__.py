"""Sessions ("bijeenkomsten"): scheduling, RSVP with waitlist, attendance, calendars."""

from flask import Blueprint

bp = Blueprint("meetings", __name__)
