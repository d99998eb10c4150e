"""Notification settings, and the unsubscribe link every optional e-mail carries."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from circle.accounts.models import User
from circle.database import utcnow
from circle.extensions import csrf, db
from circle.forms_util import perform
from circle.notifications import bp, preferences
from circle.notifications.forms import NotificationSettingsForm
from circle.notifications.models import Choice, Topic
from circle.security import public


@bp.route("/profile/notifications", methods=["GET", "POST"])
def settings():
    chosen = preferences.choices_of(current_user)
    form = NotificationSettingsForm(
        data={topic.value: choice.value for topic, choice in chosen.items()}
    )
    if form.validate_on_submit():
        choices = {topic: Choice(form[topic.value].data) for topic in Topic}
        if perform(
            lambda: preferences.save_choices(current_user, choices, now=utcnow()),
            _("Your notification settings have been saved."),
            form=form,
        ):
            return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form, topics=list(Topic))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    """The link in every optional e-mail; the token is the only credential.

    GET asks first (link checkers and previews open links); POST unsubscribes,
    from the page's button or from the mail program's one-click request
    (RFC 8058, which carries no CSRF token).
    """
    found = preferences.read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None or not user.is_active:
        abort(404)
    topic = found[1]
    if request.method == "POST":
        perform(lambda: preferences.unsubscribe(user, topic, now=utcnow()))
        return render_template("notifications/unsubscribed.html", topic=topic)
    return render_template("notifications/unsubscribe.html", topic=topic, token=token)
