"""Facilitating a round on a board: grouping cards into clusters, and replies
under a card.

A cluster is its first card plus the cards grouped under it (`Card.cluster_id`
names that first card); its title lives on the first card, its votes are the
sum of its cards' votes, and it moves as one (services.move_card). Grouping
card A onto card B puts A, and any cards under A, under B's first card.

Replies (`CardComment`) travel inside their card's payload, so the card's rules
apply to them unchanged: hidden with a hidden card, blurred with a blurred one,
without names on an anonymous board. Each write records a CARD change for every
card it touches, so clients and catch-up need nothing new.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from circle.accounts.models import User
from circle.boards import rules
from circle.boards.models import Board, Card, CardComment, ChangeKind, get_row
from circle.boards.rules import BoardError
from circle.boards.services import Written, record, wrote
from circle.extensions import db


def _members(card: Card) -> list[Card]:
    return list(
        db.session.scalars(
            sa.select(Card).where(Card.cluster_id == card.id, Card.deleted_at.is_(None))
        )
    )


def _groupable(board: Board, card_id: int, by: User, now: datetime) -> Card:
    rules.lock(board)
    rules.writable(board, by, now, "group")
    card = rules.card_on(board, card_id)
    if card.is_hidden:
        raise BoardError("not_found", rules.CARD_GONE, "card_id")
    return card


def group_cards(
    board: Board, card_id: int, *, onto_id: int, by: User, now: datetime
) -> Written:
    """Put a card (with the cards under it) into the cluster of `onto_id`."""
    card = _groupable(board, card_id, by, now)
    onto = rules.card_on(board, onto_id)
    if onto.is_hidden:
        raise BoardError("not_found", rules.CARD_GONE, "onto_id")
    head = db.session.get(Card, onto.cluster_id) if onto.cluster_id else onto
    versions = []
    if head.is_hidden or head.deleted_at is not None:
        # Members see `onto` on its own (its group's first card is not shown):
        # it leaves that group and leads a new one, as they see it.
        head, onto.cluster_id = onto, None
        versions.append(record(board, ChangeKind.CARD, onto.id, now))
    if head.id == card.id or card.cluster_id == head.id:
        raise BoardError("invalid", _l("These cards are already in one group."))
    moved = [card, *_members(card)]
    if not head.cluster_title and card.cluster_title:
        head.cluster_title = card.cluster_title
    card.cluster_title = ""
    for each in moved:
        each.cluster_id = head.id
        each.column_id = head.column_id
        each.updated_at = now
        versions.append(record(board, ChangeKind.CARD, each.id, now))
    versions.append(record(board, ChangeKind.CARD, head.id, now))
    return Written(None, versions)


def ungroup_card(board: Board, card_id: int, *, by: User, now: datetime) -> Written:
    """Take a card out of its cluster (the keyboard's "drag out")."""
    card = _groupable(board, card_id, by, now)
    if card.cluster_id is None:
        raise BoardError("invalid", _l("This card is not in a group."))
    card.cluster_id = None
    card.updated_at = now
    return wrote(board, card, now)


def title_cluster(
    board: Board, card_id: int, *, title: str, by: User, now: datetime
) -> Written:
    """Name the cluster whose first card is `card_id` (or that holds it)."""
    card = _groupable(board, card_id, by, now)
    head = db.session.get(Card, card.cluster_id) if card.cluster_id else card
    if head.is_hidden or head.deleted_at is not None:
        raise BoardError("not_found", rules.CARD_GONE, "card_id")
    head.cluster_title = rules.cluster_title(title)
    head.updated_at = now
    return wrote(board, head, now)


# -- replies ------


def add_comment(
    board: Board, card_id: int, *, text: str, key: str, by: User, now: datetime
) -> Written:
    """A reply under a card that `by` can read; a retried write (same `key`)
    changes nothing."""
    rules.lock(board)
    existing = db.session.scalar(
        sa.select(CardComment).where(
            CardComment.board_id == board.id, CardComment.client_key == key
        )
    )
    if existing is not None:
        return Written(db.session.get(Card, existing.card_id), [])
    moderator = rules.writable(board, by, now, "comment")
    card = rules.card_on(board, card_id)
    if card.is_hidden and not moderator:
        raise BoardError("not_found", rules.CARD_GONE, "card_id")
    if board.is_blurred and not moderator and card.author_id != by.id:
        # A reply to a text one cannot read yet would give its author away.
        raise BoardError(
            "forbidden", _l("You can reply once the adviser reveals the cards.")
        )
    db.session.add(
        CardComment(
            card_id=card.id,
            board_id=board.id,
            author_id=by.id,
            text=rules.comment_text(text),
            client_key=key,
            created_at=now,
        )
    )
    card.updated_at = now
    db.session.flush()
    db.session.expire(card, ["comments"])
    return wrote(board, card, now)


def delete_comment(
    board: Board, comment_id: int, *, by: User, now: datetime
) -> Written:
    """Its author or the board's advisers take a reply away."""
    rules.lock(board)
    moderator = rules.writable(board, by, now, "comment")
    comment = get_row(CardComment, comment_id)
    if comment is None or comment.board_id != board.id:
        raise BoardError("not_found", _l("That reply is no longer there."))
    if comment.author_id != by.id and not moderator:
        raise BoardError("forbidden", _l("You can only remove your own replies."))
    card = db.session.get(Card, comment.card_id)
    db.session.delete(comment)
    db.session.flush()
    db.session.expire(card, ["comments"])
    return wrote(board, card, now)
