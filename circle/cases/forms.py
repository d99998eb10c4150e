"""The form with which an initiator shares an experience as a case."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from circle.forms_util import strip_filter
from circle.limits import LONG_TEXT, MAX_POST_BODY, MAX_THREAD_TITLE


class ExperienceForm(FlaskForm):
    title = StringField(
        _l("Title of your experience"),
        validators=[DataRequired(), Length(max=MAX_THREAD_TITLE)],
        filters=[strip_filter],
        description=_l(
            "For example: “Dorpsdagvoorziening Meers: twenty volunteers and "
            "a building”."
        ),
    )
    description = TextAreaField(
        _l("What happened?"),
        validators=[DataRequired(), Length(max=MAX_POST_BODY)],
        filters=[strip_filter],
    )
    question = TextAreaField(
        _l("What would you like to learn or share?"),
        validators=[Optional(), Length(max=LONG_TEXT)],
        filters=[strip_filter],
    )
    submit = SubmitField(_l("Share experience"))
