"""How a message leaves: one SMTP connection for a batch, or the log in development.

Every failure is sorted into temporary (4xx answers, lost or refused
connections: try again later) or permanent (5xx answers about this message:
never try again), as mail servers themselves do.
"""

import contextlib
import logging
import smtplib
from email.message import EmailMessage

log = logging.getLogger("circle.mail")


class DeliveryError(Exception):
    """A message was not delivered; `text` is what the server (or socket) said."""

    def __init__(self, text: str, *, permanent: bool, connection_lost: bool = False):
        super().__init__(text)
        self.text = text[:2000]
        self.permanent = permanent
        #: The connection is gone: the next message needs a new one.
        self.connection_lost = connection_lost


class ConnectionFailed(DeliveryError):
    """No connection to the mail server at all: nothing in the batch can go."""

    def __init__(self, text: str):
        super().__init__(text, permanent=False, connection_lost=True)


def _answer(code: int, message) -> str:
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return f"{code} {message}".strip()


def classify(error: Exception) -> DeliveryError:
    """The DeliveryError that an smtplib or socket error amounts to."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, message = next(iter(error.recipients.values()))
        return DeliveryError(_answer(code, message), permanent=code >= 500)
    if isinstance(error, smtplib.SMTPResponseException):
        return DeliveryError(
            _answer(error.smtp_code, error.smtp_error),
            permanent=500 <= error.smtp_code < 600,
        )
    text = str(error) or type(error).__name__
    if isinstance(error, smtplib.SMTPServerDisconnected) or not isinstance(
        error, smtplib.SMTPException
    ):
        # smtplib's errors are OSErrors too; the others (refused, reset, timed
        # out) are the socket's: the connection is gone.
        return DeliveryError(text, permanent=False, connection_lost=True)
    return DeliveryError(text, permanent=False)


class SmtpTransport:
    """One connection, opened at the first message and reused for the rest."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        smtp = None
        try:
            smtp = smtp_class(
                config["MAIL_SERVER"],
                config["MAIL_PORT"],
                timeout=config["MAIL_TIMEOUT"],
            )
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except (OSError, smtplib.SMTPException) as error:
            # Not about any one message: a wrong password or a server that is
            # down fails them all, and will be retried.
            if smtp is not None:
                _close_quietly(smtp)
            raise ConnectionFailed(classify(error).text) from error
        return smtp

    def send(self, msg: EmailMessage, recipient: str) -> None:
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.send_message(msg, to_addrs=[recipient])
        except (OSError, smtplib.SMTPException) as error:
            failure = classify(error)
            if failure.connection_lost:
                _close_quietly(self.smtp)
                self.smtp = None
            raise failure from error

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                _close_quietly(self.smtp)
            self.smtp = None


def _close_quietly(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        smtp.close()


class LogTransport:
    """Without MAIL_SERVER (development) a message is written to the log."""

    def send(self, msg: EmailMessage, recipient: str) -> None:
        log.info("E-mail (not sent: no MAIL_SERVER configured)\n%s", describe(msg))

    def close(self) -> None:
        pass


def transport_for(config) -> SmtpTransport | LogTransport:
    return SmtpTransport(config) if config["MAIL_SERVER"] else LogTransport()


def describe(msg: EmailMessage) -> str:
    """A readable rendering for the development log: headers, text, part types."""
    body = msg.get_body(("plain",))
    calendars = [
        part.get_content()
        for part in msg.walk()
        if part.get_content_type() == "text/calendar"
    ]
    parts = [
        part.get_content_type()
        + (f" ({part.get_filename()})" if part.get_filename() else "")
        for part in msg.walk()
        if not part.is_multipart()
    ]
    return "\n".join(
        [
            f"To: {msg['To']}",
            f"Subject: {msg['Subject']}",
            f"Parts: {', '.join(parts)}",
            "",
            body.get_content() if body is not None else "",
            *calendars,
        ]
    )
