"""Thread, reply, report and moderation forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from circle.forms_util import strip_filter
from circle.limits import MAX_POST_BODY, MAX_THREAD_TITLE

#: The "where" choice for a conversation of the whole programme (no group).
PROGRAMME_WIDE = "programme"

BODY_HELP = _l(
    "Markdown works: **bold**, *italic*, lists with -, > quotes and "
    "[links](https://…). Mention someone with @ and their full name."
)


def _body_field(label=None):
    return TextAreaField(
        label or _l("Your message"),
        validators=[
            DataRequired(message=_l("Write something first.")),
            Length(max=MAX_POST_BODY),
        ],
        filters=[strip_filter],
        description=BODY_HELP,
    )


def _files_field():
    return MultipleFileField(
        _l("Attach files (optional)"),
        description=_l("PDF, office documents or images; at most 10 MB each."),
    )


class ThreadForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(), Length(max=MAX_THREAD_TITLE)],
        filters=[strip_filter],
    )
    where = SelectField(_l("Who can read it"))
    theme_ids = SelectMultipleField(_l("Themes"), coerce=int)
    case_id = SelectField(_l("About the case (optional)"), coerce=int, default=0)
    body = _body_field()
    attachments = _files_field()
    submit = SubmitField(_l("Start conversation"))


class ReplyForm(FlaskForm):
    body = _body_field(_l("Your reply"))
    attachments = _files_field()
    reply_to = HiddenField()
    submit = SubmitField(_l("Post reply"))


class EditPostForm(FlaskForm):
    body = _body_field()
    submit = SubmitField(_l("Save changes"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"), validators=[Optional(), Length(max=2000)], filters=[strip_filter]
    )
    submit = SubmitField(_l("Confirm"))


class MoveForm(FlaskForm):
    where = SelectField(_l("Move to"))
    reason = TextAreaField(
        _l("Reason"), validators=[Optional(), Length(max=2000)], filters=[strip_filter]
    )
    submit = SubmitField(_l("Move conversation"))
