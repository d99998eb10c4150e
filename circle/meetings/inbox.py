"""`flask circle inbox`: the mail server that receives answers from calendar apps.

The operator's mail server forwards mail for REPLY_DOMAIN here, over SMTP or
LMTP (docs/deployment.md). A recipient that is not a genuine reply address is
refused at RCPT time (550), so nothing reaches the database for it; every
accepted message is handed to `replies.receive` in a worker thread with its own
app context and committed on its own.
"""

import asyncio
import logging

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from flask import Flask

from circle.database import utcnow
from circle.extensions import db
from circle.itip import parse_reply_address
from circle.meetings.replies import receive

log = logging.getLogger(__name__)


class ReplyHandler:
    """aiosmtpd handler: accept reply addresses, and hand each message on."""

    def __init__(self, app: Flask):
        self.app = app

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.app.app_context():
            genuine = parse_reply_address(address) is not None
        if not genuine:
            log.warning("Refused mail for %s: not a reply address", address)
            return "550 5.1.1 No such reply address"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                None, self.process, envelope.content, list(envelope.rcpt_tos)
            )
        except Exception:
            log.exception("A calendar reply could not be processed")
            status = "451 4.3.0 Try again later"
        else:
            status = "250 2.0.0 Received"
        if isinstance(server, LMTP):  # LMTP answers once per recipient
            return "\r\n".join([status] * len(envelope.rcpt_tos))
        return status

    def process(self, content: bytes, recipients: list[str]) -> None:
        with self.app.app_context():
            try:
                receive(content, now=utcnow(), recipients=recipients)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()


class InboxController(Controller):
    """aiosmtpd's threaded controller, speaking LMTP when asked."""

    def __init__(self, app: Flask, *, host: str, port: int, lmtp: bool = False):
        self.lmtp = lmtp
        super().__init__(
            ReplyHandler(app),
            hostname=host,
            port=port,
            data_size_limit=app.config["INBOX_MAX_BYTES"],
            ident="Circle inbox",
        )

    def factory(self):
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)
