"""The notification settings form: one group of options per topic."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SubmitField

from circle.notifications.models import CHOICE_LABELS, TOPIC_HELP, TOPIC_LABELS, Topic


class NotificationSettingsForm(FlaskForm):
    submit = SubmitField(_l("Save settings"))


for _topic in Topic:
    setattr(
        NotificationSettingsForm,
        _topic.value,
        RadioField(
            TOPIC_LABELS[_topic],
            choices=[
                SelectChoice(choice.value, CHOICE_LABELS[choice])
                for choice in _topic.choices
            ],
            description=TOPIC_HELP[_topic],
        ),
    )
