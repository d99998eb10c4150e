"""What every template can use: permissions, languages, navigation, date formats."""

from flask import has_request_context
from flask_babel import get_locale

from circle import permissions
from circle.accounts.forms import ConfirmForm, LanguageForm
from circle.i18n import LANGUAGE_NAMES


class _Rules:
    """`can.invite_people(user)` in templates calls `permissions.can_invite_people`."""

    def __getattr__(self, name: str):
        return permissions.RULES[f"can_{name}"]


def init_templating(app) -> None:
    @app.context_processor
    def inject():
        values = {
            "can": _Rules(),
            "language_names": LANGUAGE_NAMES,
            "current_language": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
        }
        if has_request_context():  # e-mails are also rendered from the CLI
            values.update(language_form=LanguageForm(), logout_form=ConfirmForm())
        return values
