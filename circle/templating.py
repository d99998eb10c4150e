"""What every template can use: permissions, languages, navigation, date formats."""

from contextvars import ContextVar

from babel.dates import format_datetime
from flask import has_request_context
from flask_babel import get_locale
from flask_login import current_user

from circle import permissions
from circle.accounts.forms import ConfirmForm, LanguageForm
from circle.i18n import LANGUAGE_NAMES
from circle.markdown import render_markdown
from circle.timezones import AMSTERDAM, utc_to_local


class _Rules:
    """`can.invite_people(user)` in templates calls `permissions.can_invite_people`."""

    def __getattr__(self, name: str):
        rule = permissions.RULES.get(f"can_{name}") or permissions.RULES.get(name)
        if rule is None:
            raise AttributeError(name)
        return rule


#: Date-time patterns that read well in Dutch and English, always in Dutch time.
WHEN_FORMATS = {
    "full": "EEEE d MMMM y, HH:mm",
    "medium": "d MMM y, HH:mm",
    "date": "EEEE d MMMM y",
    "time": "HH:mm",
}


def format_when(value, style: str = "medium") -> str:
    """A UTC datetime as Dutch wall-clock time.

    zoneinfo, not Flask-Babel's pytz zone: pytz stops knowing daylight saving
    after 2037 and would show later summer times an hour off.
    """
    if value is None:
        return ""
    return format_datetime(
        utc_to_local(value), WHEN_FORMATS[style], tzinfo=AMSTERDAM, locale=get_locale()
    )


#: True while an e-mail is rendered (circle.mail), so page-only values are skipped.
rendering_email: ContextVar[bool] = ContextVar("rendering_email", default=False)


def init_templating(app) -> None:
    from circle.threads.notifications import unread_count

    app.jinja_env.filters["when"] = format_when
    app.jinja_env.filters["markdown"] = render_markdown

    @app.context_processor
    def inject():
        values = {
            "can": _Rules(),
            "language_names": LANGUAGE_NAMES,
            "current_language": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
        }
        # Only pages need the forms and counts of the header; e-mails are also
        # rendered in requests (200 invitations at once) and from the worker.
        if has_request_context() and not rendering_email.get():
            # Never filled from this request (an error page may be answering a
            # request whose body could not be read).
            values.update(
                language_form=LanguageForm(formdata=None),
                logout_form=ConfirmForm(formdata=None),
            )
            if current_user.is_authenticated:
                values["unread_notifications"] = unread_count(current_user)
        return values
