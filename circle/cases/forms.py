"""The form with which an initiator shares an experience as a case."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import DataRequired, Length, Optional

from circle.fields import LongTextField, SingleLineField
from circle.limits import LONG_TEXT, MAX_POST_BODY, MAX_THREAD_TITLE


class ExperienceForm(FlaskForm):
    title = SingleLineField(
        _l("Title of your experience"),
        validators=[DataRequired(), Length(max=MAX_THREAD_TITLE)],
        description=_l(
            "For example: “Dorpsdagvoorziening Meers: twenty volunteers and "
            "a building”."
        ),
    )
    description = LongTextField(
        _l("What happened?"),
        validators=[DataRequired(), Length(max=MAX_POST_BODY)],
    )
    question = LongTextField(
        _l("What would you like to learn or share?"),
        validators=[Optional(), Length(max=LONG_TEXT)],
    )
    submit = SubmitField(_l("Share experience"))
