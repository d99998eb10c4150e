"""Where a new board's columns and settings come from: a built-in template
(circle.boards.models.TEMPLATES) or one an adviser saved for the programme."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from circle.accounts.models import User
from circle.boards.models import TEMPLATES, Board, BoardTemplate, Phase
from circle.boards.rules import BoardError
from circle.boards.state import live_columns
from circle.extensions import db
from circle.permissions import can_moderate_board

#: A saved template's key in the form: "saved-<id>".
SAVED = "saved-"
MAX_NAME = 120
NAME_RULE = _l("Give the template a name of at most %(max)s characters.", max=MAX_NAME)


def saved_templates(programme_id: int) -> list[BoardTemplate]:
    return list(
        db.session.scalars(
            sa.select(BoardTemplate)
            .where(BoardTemplate.programme_id == programme_id)
            .order_by(BoardTemplate.name)
        )
    )


def columns_and_settings(key: str, programme_id: int, *, english: bool):
    """(column titles, settings to set on the board) for a template key."""
    if key in TEMPLATES:
        return [english_title if english else dutch
                for dutch, english_title in TEMPLATES[key]], {}  # fmt: skip
    saved = None
    if key.startswith(SAVED) and key[len(SAVED) :].isdigit():
        saved = db.session.get(BoardTemplate, int(key[len(SAVED) :]))
    if saved is None or saved.programme_id != programme_id:
        raise BoardError("invalid", _l("Choose a template from the list."))
    settings = {
        "is_anonymous": saved.is_anonymous,
        "is_blurred": saved.is_blurred,
        "vote_budget": saved.vote_budget,
        "members_group": saved.members_group,
        "phase": Phase.WRITE if saved.phases else None,
    }
    return list(saved.columns), settings


def save_template(board: Board, name: str, *, by: User, now: datetime) -> BoardTemplate:
    """Keep this board's columns and settings as a template for its programme;
    saving under an existing name replaces that template."""
    if not can_moderate_board(by, board):
        raise BoardError("forbidden", _l("Only the session's advisers can do this."))
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise BoardError("invalid", NAME_RULE, "name")
    programme_id = board.meeting.programme_id
    titles = [column.title for column in live_columns(board)]
    template = db.session.scalar(
        sa.select(BoardTemplate).where(
            BoardTemplate.programme_id == programme_id, BoardTemplate.name == name
        )
    )
    if template is None:
        template = BoardTemplate(programme_id=programme_id, name=name)
        db.session.add(template)
    template.columns = titles
    template.is_anonymous = board.is_anonymous
    template.is_blurred = board.is_blurred
    template.vote_budget = board.vote_budget
    template.members_group = board.members_group
    template.phases = board.phase is not None
    template.created_by_id = by.id
    template.created_at = now
    db.session.flush()
    return template
