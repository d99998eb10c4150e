"""Programme forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from circle.fields import LongTextField, SingleLineField, sensible_date


class PhaseForm(Form):
    """One phase's dates; a sub-form without its own CSRF token."""

    kind = HiddenField(validators=[InputRequired()])
    starts_on = DateField(_l("From"), validators=[InputRequired(), sensible_date])
    ends_on = DateField(_l("Until"), validators=[InputRequired(), sensible_date])


class ProgrammeForm(FlaskForm):
    name = SingleLineField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = LongTextField(
        _l("Description"),
        validators=[Optional(), Length(max=5000)],
    )
    starts_on = DateField(_l("Start date"), validators=[InputRequired(), sensible_date])
    ends_on = DateField(_l("End date"), validators=[InputRequired(), sensible_date])
    adviser_ids = SelectMultipleField(_l("Advisers"), coerce=int)
    contact_name = SingleLineField(
        _l("Contact person"),
        validators=[Optional(), Length(max=200)],
        description=_l("Shown on the public programme page."),
    )
    contact_email = EmailField(
        _l("Contact e-mail address"), validators=[Optional(), Email(), Length(max=320)]
    )
    contact_phone = SingleLineField(
        _l("Contact telephone number"), validators=[Optional(), Length(max=40)]
    )
    phases = FieldList(FormField(PhaseForm))
    submit = SubmitField(_l("Save programme"))


class ThemeForm(FlaskForm):
    name = SingleLineField(
        _l("Theme (Dutch)"),
        validators=[DataRequired(), Length(max=120)],
    )
    name_en = SingleLineField(
        _l("Theme (English, optional)"),
        validators=[Optional(), Length(max=120)],
    )
    submit = SubmitField(_l("Add theme"))


class PrincipleForm(FlaskForm):
    name = SingleLineField(
        _l("Short name (Dutch)"), validators=[DataRequired(), Length(max=120)]
    )
    name_en = SingleLineField(
        _l("Short name (English, optional)"), validators=[Optional(), Length(max=120)]
    )
    description = LongTextField(
        _l("Explanation"), validators=[Optional(), Length(max=2000)]
    )
    submit = SubmitField(_l("Save principle"))
