"""Language choice: the user's preference, then the visitor's pick, then the browser."""

from flask import current_app, has_request_context, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

#: Shown in every language's own name, so a lost visitor can find theirs.
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
LANGUAGE_LABELS = {"nl": _l("Dutch"), "en": _l("English")}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language:
        return current_user.language
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages)
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )
