"""Each person's choices per topic, and the signed links that unsubscribe from one."""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from circle.errors import ServiceError
from circle.extensions import db
from circle.notifications.models import Choice, NotificationSetting, Topic
from circle.urls import external_url


def choices_of(user) -> dict[Topic, Choice]:
    """Every topic with the person's choice, or its default."""
    chosen = dict(
        db.session.execute(
            sa.select(NotificationSetting.topic, NotificationSetting.choice).where(
                NotificationSetting.user_id == user.id
            )
        ).all()
    )
    return {topic: chosen.get(topic, topic.default) for topic in Topic}


def choice_for(user, topic: Topic) -> Choice:
    # No autoflush: telling 200 invitees would otherwise flush 200 times, once
    # per lookup; a choice is never waiting unflushed while people are told.
    with db.session.no_autoflush:
        chosen = db.session.get(NotificationSetting, (user.id, topic))
    return chosen.choice if chosen is not None else topic.default


def set_choice(user, topic: Topic, choice: Choice, *, now: datetime) -> None:
    if choice not in topic.choices:
        raise ServiceError(_l("Choose one of the options."), topic.value)
    setting = db.session.get(NotificationSetting, (user.id, topic))
    if setting is None:
        setting = NotificationSetting(user_id=user.id, topic=topic)
        db.session.add(setting)
    setting.choice = choice
    setting.updated_at = now


def save_choices(user, choices: dict[Topic, Choice], *, now: datetime) -> None:
    """Save the settings page: a choice for each topic."""
    for topic, choice in choices.items():
        set_choice(user, topic, choice, now=now)


# -- unsubscribing with one click ------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user, topic: Topic) -> str:
    """A link credential that can do one thing: stop this person's mail on it."""
    return _serializer().dumps([user.id, topic.value])


def unsubscribe_url(user, topic: Topic) -> str:
    return external_url(
        "notifications.unsubscribe", token=unsubscribe_token(user, topic)
    )


def read_unsubscribe_token(token: str) -> tuple[int, Topic] | None:
    """(person's id, topic) for a valid token, else None."""
    try:
        user_id, topic = _serializer().loads(token)
        return int(user_id), Topic(topic)
    except (BadSignature, ValueError, TypeError):
        return None


def unsubscribe(user, topic: Topic, *, now: datetime) -> Choice:
    """No more e-mail on the topic: its notices stay in Circle; no summary at all."""
    choice = Choice.OFF if topic is Topic.DIGEST else Choice.CIRCLE
    set_choice(user, topic, choice, now=now)
    return choice
