"""Forms for creating a board and promoting a card."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from circle.fields import SingleLineField
from circle.forms_util import strip_filter
from circle.limits import MAX_BOARD_TITLE


class BoardForm(FlaskForm):
    title = StringField(
        _l("Title of the board"),
        validators=[Optional(), Length(max=MAX_BOARD_TITLE)],
        filters=[strip_filter],
        description=_l("For example: “Round 1: tips”. Empty: the session's title."),
    )
    template = SelectField(
        _l("Start from"),
        choices=[
            SelectChoice(
                "tips", _l("Tips for municipalities / initiatives, questions")
            ),
            SelectChoice("works", _l("What works / what doesn't / questions")),
            SelectChoice("start-stop", _l("Start / stop / continue")),
            SelectChoice("empty", _l("An empty board")),
        ],
        default="tips",
    )
    submit = SubmitField(_l("Add a live board"))


class PromoteForm(FlaskForm):
    thread_id = SelectField(_l("Add to"), coerce=int, default=0)
    submit = SubmitField(_l("Add to the conversations"))


class JoinForm(FlaskForm):
    code = SingleLineField(
        _l("Board code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("The code on the screen in the room, for example K7QX3M."),
    )
    submit = SubmitField(_l("Open the board"))
