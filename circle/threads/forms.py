"""Thread, reply, report and moderation forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, Optional

from circle.fields import LongTextField, SingleLineField, SubmissionKeyField
from circle.limits import MAX_POST_BODY, MAX_THREAD_TITLE

#: The "where" choice for a conversation of the whole programme (no group).
PROGRAMME_WIDE = "programme"

BODY_HELP = _l(
    "Markdown works: **bold**, *italic*, lists with -, > quotes and "
    "[links](https://…). Mention someone with @ and their full name."
)


def _body_field(label=None):
    return LongTextField(
        label or _l("Your message"),
        validators=[
            DataRequired(message=_l("Write something first.")),
            Length(max=MAX_POST_BODY),
        ],
        description=BODY_HELP,
    )


def _files_field():
    return MultipleFileField(
        _l("Attach files (optional)"),
        description=_l("PDF, office documents or images; at most 10 MB each."),
    )


class ThreadForm(FlaskForm):
    title = SingleLineField(
        _l("Title"),
        validators=[DataRequired(), Length(max=MAX_THREAD_TITLE)],
    )
    where = SelectField(_l("Who can read it"))
    theme_ids = SelectMultipleField(_l("Themes"), coerce=int)
    case_id = SelectField(_l("About the case (optional)"), coerce=int, default=0)
    body = _body_field()
    attachments = _files_field()
    submission_key = SubmissionKeyField()
    submit = SubmitField(_l("Start conversation"))


class ReplyForm(FlaskForm):
    body = _body_field(_l("Your reply"))
    attachments = _files_field()
    reply_to = HiddenField()
    submission_key = SubmissionKeyField()
    submit = SubmitField(_l("Post reply"))


class EditPostForm(FlaskForm):
    body = _body_field()
    submit = SubmitField(_l("Save changes"))


class MoveForm(FlaskForm):
    where = SelectField(_l("Move to"))
    reason = LongTextField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Move conversation"))
