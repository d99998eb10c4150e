"""iTIP (RFC 5546) pieces shared by every calendar invite Circle mails: the
Europe/Amsterdam VTIMEZONE, the calendar envelope, and the per-person reply
address that every invite names as its ORGANIZER.

A calendar client sends its answer (an iTIP REPLY) to the ORGANIZER. Each
invite names `rsvp+<kind><id>-<person>-<signature>@REPLY_DOMAIN` (kind: none
for a session, `i` for an intake conversation), so a reply says by its address
alone whose answer to what it is, and nobody who saw another person's invite
can write an address that answers for them: the signature is an HMAC of kind
and ids under the app's SECRET_KEY. It is lowercase base32, because mail
servers may change the case of an address.
"""

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard

PRODID = "-//Circle//Circle sessions//NL"
SIGNATURE_LENGTH = 20  # 100 bits
#: What a reply address is about, and the letter before its id.
KINDS = {"session": "", "intake": "i"}


class ReplyTarget(NamedTuple):
    kind: str
    object_id: int
    user_id: int


def _amsterdam_vtimezone() -> Timezone:
    """Europe/Amsterdam as the EU rule (since 1996): last Sunday of March and October.

    icalendar's generated VTIMEZONE lists every change as an RDATE and stops in
    2038; this compact RRULE form is what Outlook and Google write themselves.
    """
    zone = Timezone()
    zone.add("tzid", "Europe/Amsterdam")
    summer = TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("tzoffsetfrom", timedelta(hours=1))
    summer.add("tzoffsetto", timedelta(hours=2))
    summer.add("dtstart", datetime(1996, 3, 31, 2, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    winter = TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("tzoffsetfrom", timedelta(hours=2))
    winter.add("tzoffsetto", timedelta(hours=1))
    winter.add("dtstart", datetime(1996, 10, 27, 3, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


def calendar_for(method: str) -> Calendar:
    """An empty VCALENDAR with the method and the Amsterdam time zone."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(_amsterdam_vtimezone())
    return calendar


def uid_domain() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "circle"


def _signature(kind: str, object_id: int, user_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    # Sessions came first: their message has no kind.
    message = (
        f"rsvp:{object_id}:{user_id}"
        if kind == "session"
        else f"rsvp:{kind}:{object_id}:{user_id}"
    )
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:SIGNATURE_LENGTH]


def reply_address(object_id: int, user_id: int, kind: str = "session") -> str:
    config = current_app.config
    local = f"{config['REPLY_PREFIX']}+{KINDS[kind]}{object_id}-{user_id}"
    signature = _signature(kind, object_id, user_id)
    return f"{local}-{signature}@{config['REPLY_DOMAIN']}"


def parse_reply_address(address: str) -> ReplyTarget | None:
    """What a genuine reply address is about, else None."""
    config = current_app.config
    pattern = re.compile(
        rf"{re.escape(config['REPLY_PREFIX'])}\+(i?)(\d{{1,12}})-(\d{{1,12}})-"
        rf"([a-z2-7]{{{SIGNATURE_LENGTH}}})@{re.escape(config['REPLY_DOMAIN'])}",
        re.IGNORECASE,
    )
    match = pattern.fullmatch(address.strip().strip("<>"))
    if match is None:
        return None
    kind = "intake" if match[1].lower() == "i" else "session"
    object_id, user_id = int(match[2]), int(match[3])
    expected = _signature(kind, object_id, user_id)
    if not hmac.compare_digest(match[4].lower(), expected):
        return None
    return ReplyTarget(kind, object_id, user_id)
