"""Error pages in the user's language, and the error type services raise."""

import time

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from circle.extensions import db


class ServiceError(Exception):
    """A business rule refused the action; `message` is shown to the user as is."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You may not do this"),
    404: _l("Page not found"),
    405: _l("This action is not possible here"),
    413: _l("What you sent is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}
EXPLANATIONS = {
    400: _l("Please go back, check what you entered and try again."),
    403: _l("Your account does not have permission for this page or action."),
    404: _l("The page does not exist, or you do not have access to it."),
    405: _l("Please go back and use the buttons on the page."),
    413: _l("Please send a smaller file or a shorter text."),
    429: _l("Please wait a moment before you try again."),
    500: _l("Nothing you entered was saved. Please try again in a moment."),
}


def _render(code: int, explanation=None):
    if (
        request.path.startswith("/healthz")
        or request.accept_mimetypes.best == "application/json"
    ):
        return jsonify(error=str(TITLES.get(code, TITLES[500]))), code
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=TITLES.get(code, TITLES[500]),
            explanation=explanation or EXPLANATIONS.get(code, EXPLANATIONS[500]),
        ),
        code,
    )


def _wait_explanation():
    """How long a refused login or reset has to wait, in words."""
    from circle.extensions import limiter

    current = limiter.current_limit
    if current is None:
        return None
    seconds = max(1, int(current.reset_at - time.time()))
    if seconds < 120:
        return _(
            "Please wait %(seconds)s seconds before you try again.", seconds=seconds
        )
    return _(
        "Please wait %(minutes)s minutes before you try again.",
        minutes=-(-seconds // 60),
    )


def register_error_handlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(
            400,
            _("The form had expired or was sent from elsewhere. Please try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        if error.code >= 500:
            # Unhandled exceptions arrive here as InternalServerError (outside
            # testing, where Flask re-raises them): nothing half-done is kept.
            db.session.rollback()
        code = (
            error.code if error.code in TITLES else (500 if error.code >= 500 else 400)
        )
        if code == 429:
            return _render(code, _wait_explanation())
        return _render(code)
