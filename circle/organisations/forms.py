"""The decision form for requests to act for an organisation."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import Length, Optional

from circle.fields import LongTextField


class DecisionForm(FlaskForm):
    reason = LongTextField(
        _l("Reason (needed when you decline)"),
        validators=[Optional(), Length(max=2000)],
    )
    approve = SubmitField(_l("Approve"))
    decline = SubmitField(_l("Decline"))
