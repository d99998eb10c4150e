"""Indexing and searching, with one function per job on both databases.

SQLite: an external-content FTS5 table kept in step by triggers. PostgreSQL: a
GIN index on to_tsvector('dutch', title || body). `search()` hides which one
runs; results are limited to what the searcher may read, hidden posts never
show up, and snippets are escaped before the matches are marked.
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup, escape

from circle import audiences
from circle.accounts.models import User
from circle.extensions import db
from circle.search.models import SearchDocument, SearchKind

#: Created after the table (create_all) and by the migration; dropped before it.
SQLITE_DDL = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title, body, content='search_documents', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_fts_insert AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER search_fts_delete AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER search_fts_update AFTER UPDATE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRES_DDL = [
    """CREATE INDEX ix_search_documents_fts ON search_documents USING gin
        (to_tsvector('dutch', coalesce(title, '') || ' ' || coalesce(body, '')))""",
]
#: Objects outside the models that Alembic's comparison must leave alone.
UNMODELLED = {"search_fts", "ix_search_documents_fts"}


@sa.event.listens_for(SearchDocument.__table__, "after_create")
def _create_index(table, connection, **kw) -> None:
    statements = SQLITE_DDL if connection.dialect.name == "sqlite" else POSTGRES_DDL
    for statement in statements:
        connection.exec_driver_sql(statement)


@sa.event.listens_for(SearchDocument.__table__, "before_drop")
def _drop_index(table, connection, **kw) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_DROP:
            connection.exec_driver_sql(statement)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic hook: the search index and FTS5's shadow tables are not models."""
    return not (name and (name in UNMODELLED or name.startswith("search_fts")))


# -- keeping the index up to date -------------------------------------------------


def index_document(
    kind: SearchKind,
    object_id: int,
    *,
    programme_id: int,
    group_id: int | None,
    title: str,
    body: str,
    thread_id: int | None = None,
    organisation_id: int | None = None,
    is_hidden: bool = False,
) -> None:
    document = db.session.scalar(
        sa.select(SearchDocument).filter_by(kind=kind, object_id=object_id)
    )
    if document is None:
        document = SearchDocument(kind=kind, object_id=object_id)
        db.session.add(document)
    document.programme_id = programme_id
    document.group_id = group_id
    document.thread_id = thread_id
    document.organisation_id = organisation_id
    document.title = title
    document.body = body
    document.is_hidden = is_hidden


def rescope_thread(thread_id: int, *, group_id: int | None) -> None:
    """A thread moved between group and programme: its posts move with it."""
    db.session.execute(
        sa.update(SearchDocument)
        .where(SearchDocument.thread_id == thread_id)
        .values(group_id=group_id)
    )


# -- searching ------------------------------------------------------------------------

MARK_START, MARK_END = "\x02", "\x03"
MAX_TERMS = 10


@dataclass
class SearchHit:
    kind: SearchKind
    title: str
    snippet: Markup
    url: str


def _mark(snippet: str) -> Markup:
    text = str(escape(snippet or ""))
    return Markup(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def _terms(query: str) -> list[str]:
    return re.findall(r"\w+", query)[:MAX_TERMS]


def _visible(user: User):
    if user.is_admin:
        return sa.true()
    scope = audiences.in_scope(
        user, SearchDocument.programme_id, SearchDocument.group_id
    )
    if not user.acts_for_organisation:
        return scope
    own_cases = sa.and_(
        SearchDocument.kind == SearchKind.CASE,
        SearchDocument.organisation_id == user.organisation_id,
    )
    return sa.or_(scope, own_cases)


def search(user: User, query: str, *, limit: int = 30) -> list[SearchHit]:
    terms = _terms(query)
    if not terms:
        return []
    scope = sa.and_(SearchDocument.is_hidden.is_(False), _visible(user))
    if db.engine.dialect.name == "sqlite":
        fts = sa.table("search_fts", sa.column("rowid"), sa.column("rank"))
        match = " ".join('"{}"*'.format(term.replace('"', "")) for term in terms)
        snippet = sa.func.snippet(
            sa.literal_column("search_fts"), -1, MARK_START, MARK_END, "…", 16
        )
        statement = (
            sa.select(SearchDocument, snippet)
            .join(fts, fts.c.rowid == SearchDocument.id)
            .where(sa.text("search_fts MATCH :match"), scope)
            .order_by(fts.c.rank)
            .params(match=match)
        )
    else:
        document = (
            sa.func.coalesce(SearchDocument.title, "")
            + " "
            + sa.func.coalesce(SearchDocument.body, "")
        )
        tsquery = sa.func.websearch_to_tsquery("dutch", " ".join(terms))
        vector = sa.func.to_tsvector("dutch", document)
        snippet = sa.func.ts_headline(
            "dutch",
            document,
            tsquery,
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12",
        )
        statement = (
            sa.select(SearchDocument, snippet)
            .where(vector.op("@@")(tsquery), scope)
            .order_by(sa.func.ts_rank(vector, tsquery).desc())
        )
    rows = db.session.execute(statement.limit(limit))
    return [
        SearchHit(document.kind, document.title, _mark(text), _url(document))
        for document, text in rows
    ]


def _url(document: SearchDocument) -> str:
    if document.kind == SearchKind.CASE:
        return url_for("cases.detail", case_id=document.object_id)
    if document.kind == SearchKind.POST:
        return url_for("threads.post", post_id=document.object_id)
    return url_for("threads.detail", thread_id=document.object_id)
