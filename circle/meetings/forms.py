"""Session, RSVP, cancellation and attendance forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from circle.fields import LongTextField, SingleLineField, sensible_date
from circle.limits import MAX_MEETING_CAPACITY
from circle.meetings.models import ANSWER_LABELS, MEETING_KIND_LABELS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class MeetingForm(FlaskForm):
    kind = SelectField(
        _l("Kind of session"),
        choices=[
            SelectChoice(kind.value, label)
            for kind, label in MEETING_KIND_LABELS.items()
        ],
    )
    title = SingleLineField(
        _l("Title"),
        validators=[DataRequired(), Length(max=200)],
    )
    agenda = LongTextField(
        _l("Agenda"),
        validators=[Optional(), Length(max=10000)],
        description=_l("You can use Markdown: **bold**, lists with -, links."),
    )
    starts_at = DateTimeLocalField(
        _l("Starts"),
        format=DATETIME_FORMAT,
        validators=[
            InputRequired(message=_l("Enter a date and time.")),
            sensible_date,
        ],
        description=_l("Dutch time."),
    )
    ends_at = DateTimeLocalField(
        _l("Ends"),
        format=DATETIME_FORMAT,
        validators=[
            InputRequired(message=_l("Enter a date and time.")),
            sensible_date,
        ],
        description=_l("Dutch time."),
    )
    location = SingleLineField(
        _l("Place (address)"),
        validators=[Optional(), Length(max=300)],
    )
    online_url = SingleLineField(
        _l("Online link (for a video meeting)"),
        validators=[Optional(), Length(max=500)],
    )
    capacity = IntegerField(
        _l("Capacity (empty: no limit)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_MEETING_CAPACITY)],
    )
    host_ids = SelectMultipleField(_l("Hosting advisers"), coerce=int)
    confirm_outside = BooleanField(
        _l("Schedule it anyway, outside the programme's dates")
    )
    submit = SubmitField(_l("Save session"))


class CancelForm(FlaskForm):
    reason = LongTextField(
        _l("Reason (sent to everyone invited)"),
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField(_l("Cancel this session"))


class RsvpForm(FlaskForm):
    response = RadioField(
        _l("Will you come?"),
        choices=[
            SelectChoice(value.value, label) for value, label in ANSWER_LABELS.items()
        ],
        validators=[InputRequired(message=_l("Choose going, maybe or not going."))],
    )
    note = SingleLineField(
        _l("Note for the hosts (optional)"),
        validators=[Optional(), Length(max=500)],
    )
    submit = SubmitField(_l("Send answer"))


class AddPersonForm(FlaskForm):
    user = SelectField(_l("Person"), coerce=int)
    submit = SubmitField(_l("Add as going"))
