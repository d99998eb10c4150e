"""The lists of tips: the programme's library (with its filters) and what the
public bundle shows, each loaded in a fixed number of statements."""

import re
from dataclasses import dataclass

import sqlalchemy as sa

from circle.accounts.models import User
from circle.extensions import db
from circle.programmes.models import Programme
from circle.tips.models import (
    Consent,
    Tip,
    TipAudience,
    TipAuthor,
    TipStatus,
    tip_principles,
    tip_themes,
)
from circle.tips.services import listing_loads


@dataclass
class Filters:
    theme_id: int | None = None
    audience: str | None = None
    principle_id: int | None = None
    group_id: int | None = None
    meeting_id: int | None = None
    query: str = ""
    order: str = "score"


def library(
    programme: Programme, *, drafts: bool, filters: Filters | None = None
) -> list[Tip]:
    """The programme's tips as the library lists them (drafts for its advisers)."""
    filters = filters or Filters()
    query = sa.select(Tip).where(Tip.programme_id == programme.id)
    if not drafts:
        query = query.where(Tip.status != TipStatus.DRAFT)
    if filters.theme_id:
        query = query.where(
            Tip.id.in_(
                sa.select(tip_themes.c.tip_id).where(
                    tip_themes.c.theme_id == filters.theme_id
                )
            )
        )
    if filters.principle_id:
        query = query.where(
            Tip.id.in_(
                sa.select(tip_principles.c.tip_id).where(
                    tip_principles.c.principle_id == filters.principle_id
                )
            )
        )
    if filters.audience in {a.value for a in TipAudience}:
        query = query.where(Tip.audience == filters.audience)
    if filters.group_id:
        query = query.where(Tip.group_id == filters.group_id)
    if filters.meeting_id:
        query = query.where(Tip.meeting_id == filters.meeting_id)
    for word in re.findall(r"\w+", filters.query)[:10]:
        pattern = f"%{word}%"
        query = query.where(sa.or_(Tip.title.ilike(pattern), Tip.text.ilike(pattern)))
    if filters.order == "date":
        query = query.order_by(Tip.created_at.desc(), Tip.id.desc())
    else:
        query = query.order_by(Tip.score.desc(), Tip.id)
    return list(db.session.scalars(listing_loads(query)))


def public_tips(programme: Programme) -> list[Tip]:
    """What the public bundle shows: published to everyone, every author agreed."""
    query = (
        sa.select(Tip)
        .where(Tip.programme_id == programme.id, Tip.status == TipStatus.PUBLIC)
        .where(
            ~Tip.id.in_(
                sa.select(TipAuthor.tip_id)
                .join(User, User.id == TipAuthor.user_id)
                .where(
                    User.deleted_at.is_(None),
                    sa.or_(
                        TipAuthor.consent.is_(None),
                        TipAuthor.consent.in_([Consent.ASKED, Consent.DECLINED]),
                    ),
                )
            )
        )
        .order_by(Tip.audience, Tip.score.desc(), Tip.id)
    )
    return list(db.session.scalars(listing_loads(query)))
