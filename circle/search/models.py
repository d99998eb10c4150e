"""The search index: one row per thread, post and case, with who may find it.

SQLite indexes it with an FTS5 table, PostgreSQL with a GIN index on a Dutch
tsvector; both are created beside the table (circle.search.services.INDEX_DDL).
"""

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from circle.database import enum_column
from circle.extensions import db


class SearchKind(enum.StrEnum):
    THREAD = "thread"
    POST = "post"
    CASE = "case"
    TIP = "tip"


SCOPE_SQL = (
    "CASE WHEN group_id IS NOT NULL THEN 'g' || CAST(group_id AS TEXT) "
    "ELSE 'p' || CAST(programme_id AS TEXT) END || "
    "CASE WHEN organisation_id IS NOT NULL "
    "THEN ' o' || CAST(organisation_id AS TEXT) ELSE '' END"
)


class SearchDocument(db.Model):
    """What search looks in, and the scope that decides who may find it."""

    __tablename__ = "search_documents"
    __table_args__ = (sa.UniqueConstraint("kind", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SearchKind] = mapped_column(enum_column(SearchKind))
    object_id: Mapped[int]
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    #: Cases are also readable by their own organisation.
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE")
    )
    thread_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    is_hidden: Mapped[bool] = mapped_column(default=False)
    #: Who may find it, as words the full-text index holds beside the text:
    #: "g<group id>" or "p<programme id>" (programme-wide), and "o<organisation
    #: id>" for a case. Search asks the index for the person's words together
    #: with the query's, so it never looks at what the person may not read.
    #: Computed by the database, so bulk inserts and rescoping keep it right.
    scope: Mapped[str] = mapped_column(
        sa.String(60), sa.Computed(SCOPE_SQL, persisted=True)
    )
