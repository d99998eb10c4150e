"""Application and intake forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from circle.cases.models import PROJECT_TYPE_LABELS
from circle.fields import (
    LongTextField,
    SingleLineField,
    SubmissionKeyField,
    sensible_date,
)
from circle.limits import LONG_TEXT


class ApplicationForm(FlaskForm):
    project_type = RadioField(
        _l("Kind of project"),
        choices=[
            SelectChoice(kind.value, label)
            for kind, label in PROJECT_TYPE_LABELS.items()
        ],
        validators=[InputRequired(message=_l("Choose the kind of project."))],
    )
    project_title = SingleLineField(
        _l("Name of the project"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("For example: “Initiatievenfonds Stein 2027”."),
    )
    description = LongTextField(
        _l("What is the project?"),
        validators=[DataRequired(), Length(max=LONG_TEXT)],
    )
    question = LongTextField(
        _l("Which question do you bring to the learning group?"),
        validators=[DataRequired(), Length(max=LONG_TEXT)],
        description=_l(
            "For example about framing, valuing initiatives or internal resistance."
        ),
    )
    has_college_commitment = BooleanField(
        _l("The college of mayor and aldermen supports taking part."),
        validators=[
            DataRequired(message=_l("The programme asks for this commitment."))
        ],
    )
    has_council_commitment = BooleanField(
        _l("The municipal council supports taking part."),
        validators=[
            DataRequired(message=_l("The programme asks for this commitment."))
        ],
    )
    has_officials_commitment = BooleanField(
        _l("The officials involved have time to take part."),
        validators=[
            DataRequired(message=_l("The programme asks for this commitment."))
        ],
    )
    submission_key = SubmissionKeyField()
    submit = SubmitField(_l("Send application"))


class IntakeForm(FlaskForm):
    intake_at = DateTimeLocalField(
        _l("Date and time of the intake"),
        format="%Y-%m-%dT%H:%M",
        validators=[
            InputRequired(message=_l("Enter a date and time.")),
            sensible_date,
        ],
        description=_l("Dutch time."),
    )
    intake_notes = LongTextField(
        _l("Notes for the intake (place, video link, who joins)"),
        validators=[Optional(), Length(max=LONG_TEXT)],
    )
    submit = SubmitField(_l("Plan intake"))


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("accept", _l("Accept")),
            SelectChoice("decline", _l("Decline")),
        ],
        validators=[InputRequired(message=_l("Choose accept or decline."))],
    )
    reason = LongTextField(
        _l("Reason (sent to the applicant; required when declining)"),
        validators=[Optional(), Length(max=LONG_TEXT)],
    )
    submit = SubmitField(_l("Record decision"))


class PlacementForm(FlaskForm):
    group = SelectField(_l("Regional learning group"), coerce=int)
    submit = SubmitField(_l("Place in group"))
