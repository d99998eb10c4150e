"""Calendar feeds: the secret token in a person's feed URL, and the links to it.

The feed routes themselves are in `calendar_views`; which sessions a feed lists
comes from `services.visible_meetings_query` within `feed_window`.
"""

import base64
import hashlib
import hmac
import secrets
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app

from circle.accounts.models import User, hash_token
from circle.extensions import db
from circle.meetings.models import CalendarToken
from circle.urls import external_url


def _derive_token(user_id: int, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(
        key, f"calendar:{user_id}:{nonce}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def calendar_token(user: User) -> str | None:
    """The person's feed token; None until they ask for one (a POST makes it)."""
    record = db.session.get(CalendarToken, user.id)
    if record is None:
        return None
    return _derive_token(user.id, record.nonce)


def regenerate_calendar_token(user: User) -> str:
    """A new feed token; the old one (if any) stops working at once."""
    record = db.session.get(CalendarToken, user.id)
    if record is None:
        record = CalendarToken(user_id=user.id)
        db.session.add(record)
    record.nonce = secrets.token_hex(16)
    token = _derive_token(user.id, record.nonce)
    record.token_hash = hash_token(token)
    db.session.flush()
    return token


def feed_links(user: User) -> dict[str, str] | None:
    """The person's subscription URL, as https, webcal and add-to-Google/Outlook;
    None while they have no calendar address yet."""
    token = calendar_token(user)
    if token is None:
        return None
    https_url = external_url("meetings.personal_feed", token=token)
    webcal_url = "webcal://" + https_url.split("://", 1)[1]
    return {
        "https": https_url,
        "webcal": webcal_url,
        "google": "https://calendar.google.com/calendar/render?"
        + urlencode({"cid": webcal_url}),
        "outlook": "https://outlook.live.com/calendar/0/addfromweb?"
        + urlencode({"url": https_url, "name": "Circle"}),
    }


def user_for_calendar_token(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    record = db.session.scalar(
        sa.select(CalendarToken).where(CalendarToken.token_hash == hash_token(token))
    )
    if record is None or not record.user.is_active:
        return None
    return record.user
