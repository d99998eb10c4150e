"""The per-person reply address that every invite names as its ORGANIZER.

A calendar client sends its answer (an iTIP REPLY) to the ORGANIZER. Each
invite names `rsvp+<session>-<person>-<signature>@REPLY_DOMAIN`, so a reply
says by its address alone whose answer to which session it is, and nobody who
saw another person's invite can write an address that answers for them: the
signature is an HMAC of both ids under the app's SECRET_KEY. It is lowercase
base32, because mail servers may change the case of an address.
"""

import base64
import hashlib
import hmac
import re

from flask import current_app

SIGNATURE_LENGTH = 20  # 100 bits


def _signature(meeting_id: int, user_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(
        key, f"rsvp:{meeting_id}:{user_id}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest).decode().lower()[:SIGNATURE_LENGTH]


def reply_address(meeting_id: int, user_id: int) -> str:
    config = current_app.config
    local = f"{config['REPLY_PREFIX']}+{meeting_id}-{user_id}"
    return f"{local}-{_signature(meeting_id, user_id)}@{config['REPLY_DOMAIN']}"


def parse_reply_address(address: str) -> tuple[int, int] | None:
    """(session id, person id) of a genuine reply address, else None."""
    config = current_app.config
    pattern = re.compile(
        rf"{re.escape(config['REPLY_PREFIX'])}\+(\d{{1,12}})-(\d{{1,12}})-"
        rf"([a-z2-7]{{{SIGNATURE_LENGTH}}})@{re.escape(config['REPLY_DOMAIN'])}",
        re.IGNORECASE,
    )
    match = pattern.fullmatch(address.strip().strip("<>"))
    if match is None:
        return None
    meeting_id, user_id = int(match[1]), int(match[2])
    if not hmac.compare_digest(match[3].lower(), _signature(meeting_id, user_id)):
        return None
    return meeting_id, user_id
