"""Copying a board's card into the group's conversations (the adviser's
"add to the conversations"), linking back to the board."""

from datetime import datetime

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from circle.accounts.models import User
from circle.boards import rules
from circle.boards.models import Card, ChangeKind
from circle.boards.rules import BoardError
from circle.boards.services import record
from circle.extensions import db
from circle.threads.models import Post, Thread


def promote_card(
    card: Card, thread_id: int | None, *, origin_url: str, by: User, now: datetime
) -> Post:
    """Copy a card into the group's conversations, linking back to its board."""
    from circle.threads import services as threads  # threads do not need boards

    board = card.board
    rules.require_moderator(board, by)
    meeting = board.meeting
    if card.deleted_at is not None or card.is_hidden:
        raise BoardError("not_found", rules.CARD_GONE)
    # The conversation is the programme's, in its language (Dutch), whatever
    # language the adviser reads Circle in; the card's author keeps the credit
    # unless the board promised anonymity.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        origin = f"[{board.title}]({origin_url}) · {meeting.title}"
        credit = ""
        if card.author is not None and not board.is_anonymous:
            credit = " · " + gettext("written by %(name)s", name=card.author.name)
        from_board = gettext("From the board")
        body = f"{card.text}\n\n_{from_board} {origin}{credit}_"
    if thread_id:
        thread = db.session.get(Thread, thread_id)
        if thread is None or thread.programme_id != meeting.programme_id:
            raise BoardError("invalid", _l("Choose a conversation from the list."))
        post = threads.reply(thread, threads.PostData(body), by=by, now=now)
    else:
        thread = threads.start_thread(
            meeting.programme,
            threads.ThreadData(
                title=card.text.splitlines()[0][:200],
                group_id=meeting.group_id,
                theme_ids=[],
                case_id=None,
                post=threads.PostData(body),
            ),
            by=by,
            now=now,
        )
        post = thread.posts[0]
    rules.lock(board)
    card.promoted_post_id = post.id
    record(board, ChangeKind.CARD, card.id, now)
    return post
