"""Programme forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from circle.forms_util import strip_filter


class PhaseForm(Form):
    """One phase's dates; a sub-form without its own CSRF token."""

    kind = HiddenField(validators=[InputRequired()])
    starts_on = DateField(_l("From"), validators=[InputRequired()])
    ends_on = DateField(_l("Until"), validators=[InputRequired()])


class ProgrammeForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=200)], filters=[strip_filter]
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=5000)],
        filters=[strip_filter],
    )
    starts_on = DateField(_l("Start date"), validators=[InputRequired()])
    ends_on = DateField(_l("End date"), validators=[InputRequired()])
    adviser_ids = SelectMultipleField(_l("Advisers"), coerce=int)
    phases = FieldList(FormField(PhaseForm))
    submit = SubmitField(_l("Save programme"))


class ThemeForm(FlaskForm):
    name = StringField(
        _l("Theme (Dutch)"),
        validators=[DataRequired(), Length(max=120)],
        filters=[strip_filter],
    )
    name_en = StringField(
        _l("Theme (English, optional)"),
        validators=[Optional(), Length(max=120)],
        filters=[strip_filter],
    )
    submit = SubmitField(_l("Add theme"))
