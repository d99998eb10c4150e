"""Tips: harvesting cards from a board, merging, editing, publishing with the
authors' consent, and the lists (the programme's library, the public bundle).

A card's author becomes the tip's author unless the board was anonymous: such
cards are never attributed. Publication to everyone asks every author's
consent (named, anonymous, or not at all); until all agreed, the tip stays
inside the programme (`Tip.is_public`).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from circle.accounts.models import User
from circle.boards.models import Board, BoardColumn, Card, Vote
from circle.errors import ServiceError
from circle.extensions import db
from circle.notifications.models import NotificationKind
from circle.notifications.services import tell
from circle.permissions import (
    can_answer_consent,
    can_harvest_board,
    can_manage_tips,
    can_view_thread,
)
from circle.programmes.models import Principle, Theme
from circle.search.models import SearchKind
from circle.search.services import index_document
from circle.threads.models import Post
from circle.tips.models import (
    Consent,
    Tip,
    TipAudience,
    TipAuthor,
    TipCard,
    TipStatus,
)

TITLE_LENGTH = 80
#: Column titles that say whom a tip is for ("Tips voor gemeenten").
AUDIENCE_WORDS = [
    ("gemeent", TipAudience.MUNICIPALITY),
    ("municipal", TipAudience.MUNICIPALITY),
    ("initiati", TipAudience.INITIATIVE),
    ("fonds", TipAudience.FUND),
    ("fund", TipAudience.FUND),
]


def listing_loads(query: sa.Select) -> sa.Select:
    """Everything a tip's listing shows, in a fixed number of statements."""
    return query.options(
        selectinload(Tip.themes),
        selectinload(Tip.principles),
        selectinload(Tip.authors).selectinload(TipAuthor.user),
    )


# -- harvesting ------


@dataclass
class Candidate:
    card: Card
    column: BoardColumn
    votes: int
    preselected: bool
    harvested: bool


def is_tips_column(column: BoardColumn) -> bool:
    return "tip" in column.title.lower()


def harvest_candidates(board: Board) -> list[Candidate]:
    """The board's visible cards, most votes first, "Tips" columns preselected."""
    votes = (
        sa.select(Vote.card_id, sa.func.count().label("votes"))
        .where(Vote.board_id == board.id)
        .group_by(Vote.card_id)
        .subquery()
    )
    harvested = sa.select(TipCard.card_id)
    rows = db.session.execute(
        sa.select(Card, sa.func.coalesce(votes.c.votes, 0), Card.id.in_(harvested))
        .outerjoin(votes, votes.c.card_id == Card.id)
        .where(
            Card.board_id == board.id,
            Card.deleted_at.is_(None),
            Card.is_hidden.is_(False),
        )
        .options(selectinload(Card.column), selectinload(Card.author))
        .order_by(sa.func.coalesce(votes.c.votes, 0).desc(), Card.id)
    ).all()
    return [
        Candidate(
            card,
            card.column,
            count,
            preselected=is_tips_column(card.column) and not done,
            harvested=bool(done),
        )
        for card, count, done in rows
        if card.column.deleted_at is None
    ]


def title_from(text: str) -> str:
    """A short title: the first line, without Markdown marks, cut at a word."""
    line = next((part for part in text.strip().splitlines() if part.strip()), "")
    line = re.sub(r"[*_`#>\[\]]", "", line).strip(" -")
    if len(line) <= TITLE_LENGTH:
        return line or str(_l("Tip"))
    return line[:TITLE_LENGTH].rsplit(" ", 1)[0] + "…"


def audience_from(column: BoardColumn) -> TipAudience:
    title = column.title.lower()
    for word, audience in AUDIENCE_WORDS:
        if word in title:
            return audience
    return TipAudience.TOGETHER


def harvest(board: Board, card_ids: list[int], *, by: User, now: datetime) -> list[Tip]:
    """One draft tip per chosen card, its author credited, its votes its score.

    Cards harvested before are skipped, so a second harvest after more cards
    came in adds only the new ones.
    """
    if not can_harvest_board(by, board):
        raise ServiceError(_l("You may not harvest this board."))
    chosen = {
        candidate.card.id: candidate
        for candidate in harvest_candidates(board)
        if candidate.card.id in set(card_ids) and not candidate.harvested
    }
    if not chosen:
        raise ServiceError(_l("Choose at least one card that is not a tip yet."))
    meeting = board.meeting
    tips = []
    for candidate in chosen.values():
        card = candidate.card
        tip = Tip(
            programme_id=meeting.programme_id,
            title=title_from(card.text),
            text=card.text,
            audience=audience_from(candidate.column),
            score=candidate.votes,
            meeting_id=meeting.id,
            board_id=board.id,
            group_id=meeting.group_id,
            created_by_id=by.id,
            created_at=now,
            updated_at=now,
        )
        # Anonymous boards promised not to name anyone: no author is kept.
        if card.author_id is not None and not board.is_anonymous:
            tip.authors.append(TipAuthor(user_id=card.author_id, position=0))
        db.session.add(tip)
        db.session.flush()
        db.session.add(TipCard(tip_id=tip.id, card_id=card.id))
        tips.append(tip)
    db.session.flush()
    return tips


def tip_from_post(post: Post, *, by: User, now: datetime) -> Tip:
    """A draft tip from a post in a conversation (or a case's conversation);
    the post's author is credited."""
    thread = post.thread
    if not (can_manage_tips(by, thread.programme) and can_view_thread(by, thread)):
        raise ServiceError(_l("You may not make tips of this conversation."))
    if post.is_hidden:
        raise ServiceError(_l("A hidden post cannot become a tip."))
    # A post an adviser made of a board card: the card's words and its author
    # (never on an anonymous board), without the origin line naming them.
    card = db.session.scalar(sa.select(Card).where(Card.promoted_post_id == post.id))
    text = card.text if card is not None else post.body
    tip = Tip(
        programme_id=thread.programme_id,
        title=title_from(text),
        text=text,
        group_id=thread.group_id,
        thread_id=thread.id,
        case_id=thread.case_id,
        board_id=card.board_id if card is not None else None,
        created_by_id=by.id,
        created_at=now,
        updated_at=now,
    )
    if card is not None:
        author_id = None if card.board.is_anonymous else card.author_id
    else:
        author_id = post.author_id
    if author_id is not None:
        tip.authors.append(TipAuthor(user_id=author_id, position=0))
    db.session.add(tip)
    db.session.flush()
    return tip


def merge_tips(tips: list[Tip], *, by: User, now: datetime) -> Tip:
    """Near-duplicates become one tip: the first keeps its title; texts, authors,
    cards and scores are combined."""
    if len(tips) < 2:
        raise ServiceError(_l("Choose at least two tips to merge."))
    first, rest = tips[0], tips[1:]
    if any(tip.programme_id != first.programme_id for tip in rest):
        raise ServiceError(_l("Only tips of the same programme can be merged."))
    if not can_manage_tips(by, first.programme):
        raise ServiceError(_l("You may not change these tips."))
    if any(tip.status != TipStatus.DRAFT for tip in tips):
        raise ServiceError(_l("Only draft tips can be merged."))
    known = {author.user_id for author in first.authors}
    for tip in rest:
        first.text = f"{first.text.rstrip()}\n\n{tip.text.strip()}"
        first.score += tip.score
        for author in tip.authors:
            if author.user_id not in known:
                known.add(author.user_id)
                first.authors.append(
                    TipAuthor(user_id=author.user_id, position=len(known))
                )
        db.session.execute(
            sa.update(TipCard).where(TipCard.tip_id == tip.id).values(tip_id=first.id)
        )
        db.session.delete(tip)
    for author in first.authors:  # they agreed to other words
        author.consent, author.decided_at = None, None
    first.updated_at = now
    db.session.flush()
    return first


# -- editing and publishing ------


@dataclass
class TipData:
    title: str
    text: str
    audience: str
    score: int
    theme_ids: list[int] = field(default_factory=list)
    principle_ids: list[int] = field(default_factory=list)


def update_tip(tip: Tip, data: TipData, *, by: User, now: datetime) -> None:
    if not can_manage_tips(by, tip.programme):
        raise ServiceError(_l("You may not change this tip."))
    try:
        audience = TipAudience(data.audience)
    except ValueError:
        raise ServiceError(_l("Choose who the tip is for."), "audience") from None
    themes = list(
        db.session.scalars(
            sa.select(Theme).where(
                Theme.id.in_(data.theme_ids), Theme.programme_id == tip.programme_id
            )
        )
    )
    if len(themes) != len(set(data.theme_ids)):
        raise ServiceError(_l("Choose themes of this programme."), "theme_ids")
    reworded = (tip.title, tip.text) != (data.title, data.text)
    tip.title = data.title
    tip.text = data.text
    tip.audience = audience
    tip.score = data.score
    tip.themes = themes
    tip.principles = list(
        db.session.scalars(
            sa.select(Principle).where(Principle.id.in_(data.principle_ids))
        )
    )
    tip.updated_at = now
    if reworded:
        # Consent was given to other words: it is asked again.
        for author in tip.authors:
            author.consent, author.decided_at = None, None
        if tip.status == TipStatus.PUBLIC:
            _ask_consent(tip, now)
    reindex(tip)


def _ask_consent(tip: Tip, now: datetime) -> None:
    for author in tip.authors:
        if author.consent is None:
            author.consent = Consent.ASKED
            tell(author.user, NotificationKind.TIP_CONSENT, tip=tip, now=now)


def publish(tip: Tip, status: TipStatus, *, by: User, now: datetime) -> None:
    """Set where the tip is seen. To everyone asks each author who has not
    answered yet for consent, by notification and e-mail."""
    if not can_manage_tips(by, tip.programme):
        raise ServiceError(_l("You may not publish this tip."))
    tip.status = status
    tip.updated_at = now
    if status != TipStatus.DRAFT and tip.published_at is None:
        tip.published_at = now
    if status == TipStatus.PUBLIC:
        _ask_consent(tip, now)
    reindex(tip)


def answer_consent(tip: Tip, user: User, consent: Consent, *, now: datetime) -> None:
    if not can_answer_consent(user, tip):
        raise ServiceError(_l("You are not an author of this tip."))
    if consent == Consent.ASKED:
        raise ServiceError(_l("Choose one of the answers."), "consent")
    for author in tip.authors:
        if author.user_id == user.id:
            author.consent = consent
            author.decided_at = now
    reindex(tip)


def reindex(tip: Tip) -> None:
    """Published tips are found by search, by everyone in the programme."""
    db.session.flush()
    index_document(
        SearchKind.TIP,
        tip.id,
        programme_id=tip.programme_id,
        group_id=None,
        title=tip.title,
        body=tip.text,
        is_hidden=tip.status == TipStatus.DRAFT,
    )
