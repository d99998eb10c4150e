"""Group, join-request and region forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from circle.accounts.models import PROVINCES
from circle.forms_util import strip_filter
from circle.groups.models import DEFAULT_CAPACITY
from circle.limits import MAX_GROUP_CAPACITY

NO_REGION = 0


class GroupForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=200)], filters=[strip_filter]
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=5000)],
        filters=[strip_filter],
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
    message = TextAreaField(
        _l("Message to the advisers (optional)"),
        validators=[Optional(), Length(max=2000)],
        filters=[strip_filter],
    )
    submit = SubmitField(_l("Ask to join"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Give a reason.")), Length(max=2000)],
        filters=[strip_filter],
    )
    submit = SubmitField(_l("Confirm"))


class RegionForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=120)], filters=[strip_filter]
    )
    provinces = SelectMultipleField(
        _l("Provinces"),
        choices=[SelectChoice(province) for province in PROVINCES],
        validators=[DataRequired(message=_l("Choose at least one province."))],
    )
    submit = SubmitField(_l("Save region"))
