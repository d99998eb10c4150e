"""Forms for creating a board, promoting a card and making it an action."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, Optional

from circle.boards.templates import MAX_NAME as MAX_TEMPLATE_NAME
from circle.boards.templates import NAME_RULE as TEMPLATE_NAME_RULE
from circle.boards.templates import SAVED, saved_templates
from circle.fields import LongTextField, SingleLineField, sensible_date
from circle.forms_util import strip_filter
from circle.limits import MAX_BOARD_TITLE, MAX_CARD_TEXT

ACTION_TEXT_RULE = _l(
    "Describe the action in 1 to %(max)s characters.", max=MAX_CARD_TEXT
)


class BoardForm(FlaskForm):
    title = StringField(
        _l("Title of the board"),
        validators=[Optional(), Length(max=MAX_BOARD_TITLE)],
        filters=[strip_filter],
        description=_l("For example: “Round 1: tips”. Empty: the session's title."),
    )
    template = SelectField(_l("Start from"), default="tips")
    submit = SubmitField(_l("Add a live board"))


#: The built-in templates (circle.boards.models.TEMPLATES), as the form names them.
BUILT_IN_TEMPLATES = [
    ("tips", _l("Tips for municipalities / initiatives, questions")),
    ("works", _l("What works / what doesn't / questions")),
    ("start-stop", _l("Start / stop / continue")),
    ("empty", _l("An empty board")),
]


def board_form(programme_id: int) -> BoardForm:
    """The new-board form, offering the programme's saved templates too."""
    form = BoardForm()
    form.template.choices = [SelectChoice(k, label) for k, label in BUILT_IN_TEMPLATES]
    form.template.choices += [
        SelectChoice(f"{SAVED}{template.id}", template.name)
        for template in saved_templates(programme_id)
    ]
    return form


class TemplateForm(FlaskForm):
    name = SingleLineField(
        _l("Name of the template"),
        validators=[
            DataRequired(message=TEMPLATE_NAME_RULE),
            Length(max=MAX_TEMPLATE_NAME, message=TEMPLATE_NAME_RULE),
        ],
        description=_l(
            "Saves the columns and settings (anonymous, blurred, votes, phases) for "
            "new boards in this programme; the cards stay here."
        ),
    )
    submit = SubmitField(_l("Save as template"))


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


class ActionForm(FlaskForm):
    """Turn a card or cluster into an action (owner choices: the session's).

    Who may own it is the service's rule (circle.boards.actions.owners), so the
    select does not check its choices itself and the message says what to do.
    """

    text = LongTextField(
        _l("What will be done"),
        validators=[
            DataRequired(message=ACTION_TEXT_RULE),
            Length(max=MAX_CARD_TEXT, message=ACTION_TEXT_RULE),
        ],
        filters=[strip_filter],
    )
    owner = SelectField(
        _l("Who does it"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose who does it."))],
    )
    due_on = DateField(
        _l("By when"),
        validators=[
            DataRequired(message=_l("Give the date it is done by.")),
            sensible_date,
        ],
    )
    submit = SubmitField(_l("Make it an action"))
