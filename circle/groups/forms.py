"""Group, join-request and region forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
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

from circle.accounts.models import PROVINCES
from circle.fields import LongTextField, SingleLineField
from circle.groups.models import DEFAULT_CAPACITY
from circle.limits import MAX_GROUP_CAPACITY

NO_REGION = 0


class GroupForm(FlaskForm):
    name = SingleLineField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = LongTextField(
        _l("Description"),
        validators=[Optional(), Length(max=5000)],
    )
    region_id = SelectField(_l("Region"), coerce=int, default=NO_REGION)
    capacity = IntegerField(
        _l("Capacity (number of members)"),
        default=DEFAULT_CAPACITY,
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=1, max=MAX_GROUP_CAPACITY),
        ],
    )
    adviser_ids = SelectMultipleField(_l("Advisers of this group"), coerce=int)
    submit = SubmitField(_l("Save group"))

    def set_choices(self, regions, advisers) -> None:
        self.region_id.choices = [SelectChoice(NO_REGION, _l("No region"))] + [
            SelectChoice(region.id, region.name) for region in regions
        ]
        self.adviser_ids.choices = [
            SelectChoice(adviser.id, adviser.name) for adviser in advisers
        ]


class JoinForm(FlaskForm):
    message = LongTextField(
        _l("Message to the advisers (optional)"),
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField(_l("Ask to join"))


class ReasonForm(FlaskForm):
    reason = LongTextField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Give a reason.")), Length(max=2000)],
    )
    submit = SubmitField(_l("Confirm"))


class RegionForm(FlaskForm):
    name = SingleLineField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    provinces = SelectMultipleField(
        _l("Provinces"),
        choices=[SelectChoice(province) for province in PROVINCES],
        validators=[DataRequired(message=_l("Choose at least one province."))],
    )
    submit = SubmitField(_l("Save region"))
