"""Answers to an invite as three calendar apps mail them (iTIP REPLY, RFC 5546).

Written from each client's documented and commonly observed format:
- Outlook (Exchange/Microsoft 365, "MIMEDIR"): multipart/alternative with a
  text/plain body and a base64 text/calendar part (method=REPLY), Windows time
  zone names ("W. Europe Standard Time"), X-MICROSOFT-CDO properties, and
  "Geaccepteerd:" in front of the summary.
- Google Calendar: multipart/mixed holding multipart/alternative (text/plain,
  text/html, text/calendar; method=REPLY) and the same calendar again as an
  `invite.ics` application/ics attachment; the ATTENDEE has CUTYPE and
  X-NUM-GUESTS.
- Thunderbird (Lightning): multipart/mixed with a text/plain body, an inline
  text/calendar; method=REPLY part and an `invite.ics` attachment, PRODID of
  the Mozilla calendar.
Each takes the invite that was mailed (its UID, SEQUENCE and ORGANIZER), as a
real client answers the invite it received.
"""

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import icalendar

PARTSTAT_WORDS = {
    "outlook": {
        "ACCEPTED": "Geaccepteerd",
        "TENTATIVE": "Voorlopig",
        "DECLINED": "Geweigerd",
    },
    "google": {
        "ACCEPTED": "Accepted",
        "TENTATIVE": "Tentatively Accepted",
        "DECLINED": "Declined",
    },
    "thunderbird": {
        "ACCEPTED": "Geaccepteerd",
        "TENTATIVE": "Voorlopig",
        "DECLINED": "Afgewezen",
    },
}
CLIENTS = tuple(PARTSTAT_WORDS)


def invite_facts(ics: bytes) -> dict:
    """What a client keeps from the invite it received."""
    calendar = icalendar.Calendar.from_ical(ics)
    event = calendar.walk("VEVENT")[0]
    return {
        "uid": str(event["UID"]),
        "sequence": int(event.get("SEQUENCE", 0)),
        "summary": str(event["SUMMARY"]),
        "organizer": str(event["ORGANIZER"]).removeprefix("mailto:"),
        "organizer_cn": str(event["ORGANIZER"].params.get("CN", "")),
        "start": event.decoded("DTSTART").astimezone(UTC),
        "end": event.decoded("DTEND").astimezone(UTC),
    }


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _utc(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def reply_ics(
    client: str,
    facts: dict,
    *,
    email: str,
    name: str,
    partstat: str,
    method: str = "REPLY",
    comment: str = "",
) -> str:
    """The iCalendar text a client sends back (CRLF lines)."""
    word = PARTSTAT_WORDS[client].get(partstat, partstat)
    organizer = f'ORGANIZER;CN="{facts["organizer_cn"]}":mailto:{facts["organizer"]}'
    if client == "outlook":
        lines = [
            "BEGIN:VCALENDAR",
            f"METHOD:{method}",
            "PRODID:Microsoft Exchange Server 2010",
            "VERSION:2.0",
            "BEGIN:VTIMEZONE",
            "TZID:W. Europe Standard Time",
            "BEGIN:STANDARD",
            "DTSTART:16010101T030000",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0100",
            "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            "DTSTART:16010101T020000",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0200",
            "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
            "END:DAYLIGHT",
            "END:VTIMEZONE",
            "BEGIN:VEVENT",
            f"ATTENDEE;PARTSTAT={partstat};CN={name}:mailto:{email}",
            *([f"COMMENT;LANGUAGE=nl-NL:{comment}"] if comment else []),
            f"SUMMARY;LANGUAGE=nl-NL:{word}: {facts['summary']}",
            f"DTSTART:{_utc(facts['start'])}",
            f"DTEND:{_utc(facts['end'])}",
            f"UID:{facts['uid']}",
            "CLASS:PUBLIC",
            "PRIORITY:5",
            f"DTSTAMP:{_stamp()}",
            "TRANSP:OPAQUE",
            "STATUS:CONFIRMED",
            f"SEQUENCE:{facts['sequence']}",
            "X-MICROSOFT-CDO-APPT-SEQUENCE:" + str(facts["sequence"]),
            f"X-MICROSOFT-CDO-OWNERAPPTID:{abs(hash(facts['uid'])) % 10**9}",
            "X-MICROSOFT-CDO-REPLYTIME:" + _stamp(),
            "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
            "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    elif client == "google":
        lines = [
            "BEGIN:VCALENDAR",
            "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            f"METHOD:{method}",
            "BEGIN:VEVENT",
            f"DTSTART:{_utc(facts['start'])}",
            f"DTEND:{_utc(facts['end'])}",
            f"DTSTAMP:{_stamp()}",
            organizer,
            f"UID:{facts['uid']}",
            "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT="
            f"{partstat};CN={name};X-NUM-GUESTS=0:mailto:{email}",
            *([f"COMMENT:{comment}"] if comment else []),
            f"CREATED:{_stamp()}",
            f"LAST-MODIFIED:{_stamp()}",
            "LOCATION:",
            f"SEQUENCE:{facts['sequence']}",
            "STATUS:CONFIRMED",
            f"SUMMARY:{facts['summary']}",
            "TRANSP:OPAQUE",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    else:  # thunderbird
        lines = [
            "BEGIN:VCALENDAR",
            "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
            "VERSION:2.0",
            f"METHOD:{method}",
            "BEGIN:VEVENT",
            f"CREATED:{_stamp()}",
            f"LAST-MODIFIED:{_stamp()}",
            f"DTSTAMP:{_stamp()}",
            f"UID:{facts['uid']}",
            f"SUMMARY:{facts['summary']}",
            organizer,
            f"ATTENDEE;RSVP=TRUE;PARTSTAT={partstat};ROLE=REQ-PARTICIPANT;"
            f"CN={name}:mailto:{email}",
            *([f"COMMENT:{comment}"] if comment else []),
            f"DTSTART:{_utc(facts['start'])}",
            f"DTEND:{_utc(facts['end'])}",
            f"SEQUENCE:{facts['sequence']}",
            "X-MOZ-SEND-INVITATIONS:TRUE",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    return "\r\n".join(lines) + "\r\n"


def reply_mail(
    client: str,
    facts: dict,
    *,
    email: str,
    name: str,
    partstat: str,
    to: str | None = None,
    sender: str | None = None,
    method: str = "REPLY",
    comment: str = "",
) -> bytes:
    """The whole mail a client sends to the invite's ORGANIZER."""
    ics = reply_ics(
        client,
        facts,
        email=email,
        name=name,
        partstat=partstat,
        method=method,
        comment=comment,
    )
    word = PARTSTAT_WORDS[client].get(partstat, partstat)
    msg = EmailMessage()
    msg["From"] = f"{name} <{sender or email}>"
    msg["To"] = f'"{facts["organizer_cn"]}" <{to or facts["organizer"]}>'
    msg["Subject"] = f"{word}: {facts['summary']}"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=(sender or email).split("@")[-1])
    body = f"{name} heeft uw uitnodiging beantwoord: {word}."
    if client == "outlook":
        msg["Thread-Topic"] = facts["summary"]
        msg["X-MS-Has-Attach"] = ""
        msg["X-MS-TNEF-Correlator"] = ""
        msg.set_content(body)
        msg.add_alternative(
            ics.encode(),
            maintype="text",
            subtype="calendar",
            params={"method": method},
            cte="base64",
        )
    elif client == "google":
        msg.set_content(body)
        msg.add_alternative(f"<p>{body}</p>", subtype="html")
        msg.add_alternative(
            ics.encode(),
            maintype="text",
            subtype="calendar",
            params={"method": method},
            cte="7bit" if ics.isascii() else "8bit",
        )
        msg.add_attachment(
            ics.encode(),
            maintype="application",
            subtype="ics",
            filename="invite.ics",
            cte="base64",
        )
    else:
        msg.set_content(body)
        msg.add_attachment(
            ics.encode(),
            maintype="text",
            subtype="calendar",
            params={"method": method},
            cte="8bit",
            disposition="inline",
        )
        msg.add_attachment(
            ics.encode(),
            maintype="application",
            subtype="ics",
            filename="invite.ics",
            cte="base64",
        )
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))  # as on the wire
