"""Forms for tips, consent and session reports."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from circle.fields import LongTextField, SingleLineField
from circle.tips.models import AUDIENCE_LABELS, Consent, TipAudience


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (usable by keyboard and phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def audience_choices():
    return [
        SelectChoice(audience.value, AUDIENCE_LABELS[audience])
        for audience in TipAudience
    ]


class TipForm(FlaskForm):
    title = SingleLineField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    text = LongTextField(
        _l("Tip"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("Markdown: *italic*, **bold**, lists with -."),
    )
    audience = RadioField(_l("Who does what"), validators=[InputRequired()])
    score = IntegerField(
        _l("Score"),
        validators=[InputRequired(), NumberRange(min=0, max=100000)],
        description=_l("Starts at the votes the cards had; the library sorts by it."),
    )
    theme_ids = CheckboxesField(_l("Themes"), coerce=int)
    principle_ids = CheckboxesField(_l("Principles"), coerce=int)
    submit = SubmitField(_l("Save tip"))


class HarvestForm(FlaskForm):
    card_ids = CheckboxesField(_l("Cards"), coerce=int)
    submit = SubmitField(_l("Make tips of the chosen cards"))


class MergeForm(FlaskForm):
    tip_ids = CheckboxesField(_l("Tips"), coerce=int)
    submit = SubmitField(_l("Merge the chosen tips"))


class PublishForm(FlaskForm):
    status = SelectField(_l("Where is the tip seen?"), validators=[InputRequired()])
    submit = SubmitField(_l("Save"))


class ConsentForm(FlaskForm):
    consent = RadioField(
        _l("May this tip be published to everyone?"),
        choices=[
            SelectChoice(Consent.NAMED.value, _l("Yes, with my name")),
            SelectChoice(Consent.ANONYMOUS.value, _l("Yes, without my name")),
            SelectChoice(
                Consent.DECLINED.value, _l("No, keep it inside the programme")
            ),
        ],
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Send answer"))


class ReportForm(FlaskForm):
    body = LongTextField(
        _l("Short report"),
        validators=[DataRequired(), Length(max=20000)],
        description=_l(
            "Markdown. The tips harvested from this session and the board "
            "export are linked below it."
        ),
    )
    attachments = MultipleFileField(
        _l("Attach files (optional)"),
        description=_l(
            "The slides, a photo of the flip-over: PDF, office documents or "
            "images; at most 10 MB each."
        ),
    )
    submit = SubmitField(_l("Save report"))
