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
#: The index holds each document's scope words beside its text (see
#: SearchDocument.scope), so a search asks for both at once.
SQLITE_DDL = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title, body, scope, content='search_documents', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_fts_insert AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts(rowid, title, body, scope)
        VALUES (new.id, new.title, new.body, new.scope);
    END""",
    """CREATE TRIGGER search_fts_delete AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body, scope)
        VALUES ('delete', old.id, old.title, old.body, old.scope);
    END""",
    """CREATE TRIGGER search_fts_update AFTER UPDATE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body, scope)
        VALUES ('delete', old.id, old.title, old.body, old.scope);
        INSERT INTO search_fts(rowid, title, body, scope)
        VALUES (new.id, new.title, new.body, new.scope);
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TABLE IF EXISTS search_fts",
]
#: A stored Dutch tsvector: ranking reads it instead of computing it per match.
POSTGRES_DDL = [
    """ALTER TABLE search_documents ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('dutch',
            coalesce(title, '') || ' ' || coalesce(body, ''))) STORED""",
    """CREATE INDEX ix_search_documents_vector ON search_documents
        USING gin (search_vector)""",
]
#: Objects outside the models that Alembic's comparison must leave alone.
UNMODELLED = {"search_fts", "ix_search_documents_vector", "search_vector"}


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


#: SQLite ranks at most this many of the newest matches: a word in half of
#: 100,000 posts would otherwise be ranked 50,000 times for one page of 30.
CANDIDATES = 2000


def _scope_words(user: User) -> list[str] | None:
    """The index words of what the person may find; None for everything."""
    if user.is_admin:
        return None
    words = [
        f"g{group_id}" for group_id in db.session.scalars(audiences.group_ids_of(user))
    ]
    words += [
        f"p{programme_id}"
        for programme_id in db.session.scalars(audiences.programme_ids_of(user))
    ]
    if user.acts_for_organisation and user.organisation_id:
        words.append(f"o{user.organisation_id}")
    return words


def _visible(user: User):
    """The same scope as a where-clause (PostgreSQL)."""
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
    """The best `limit` hits the person may read, with marked snippets.

    Both databases apply the person's scope inside the index lookup, rank
    without recomputing anything per match, and make snippets for the shown
    hits only: the cost follows the page, not the size of the archive.
    """
    terms = _terms(query)
    if not terms:
        return []
    if db.engine.dialect.name == "sqlite":
        rows = _search_sqlite(user, terms, limit)
    else:
        rows = _search_postgres(user, terms, limit)
    return [
        SearchHit(document.kind, document.title, _mark(text), _url(document))
        for document, text in rows
    ]


def _search_sqlite(user: User, terms: list[str], limit: int) -> list[tuple]:
    words = _scope_words(user)
    if words is not None and not words:
        return []
    text = " ".join('"{}"*'.format(term.replace('"', "")) for term in terms)
    match = f"{{title body}} : ({text})"
    if words is not None:
        match += f" AND scope : ({' OR '.join(words)})"
    # The newest CANDIDATES matches (FTS5 walks its index backwards), ranked by
    # BM25 with the scope column weighing nothing, then one page of them. The
    # snippet is made during that walk: looking rows up again by rowid would
    # re-read the doclists of every word a prefix query expands to.
    candidates = (
        sa.text(
            "SELECT rowid AS id, bm25(search_fts, 2.0, 1.0, 0.0) AS score, "
            "snippet(search_fts, -1, :start, :end, '…', 16) AS snippet "
            "FROM search_fts WHERE search_fts MATCH :match "
            "ORDER BY rowid DESC LIMIT :candidates"
        )
        .columns(sa.column("id"), sa.column("score"), sa.column("snippet"))
        .subquery()
    )
    rows = db.session.execute(
        sa.select(SearchDocument, candidates.c.snippet)
        .join(candidates, candidates.c.id == SearchDocument.id)
        .where(SearchDocument.is_hidden.is_(False))
        .order_by(candidates.c.score, candidates.c.id.desc())
        .limit(limit),
        {
            "match": match,
            "candidates": CANDIDATES,
            "start": MARK_START,
            "end": MARK_END,
        },
    )
    return [tuple(row) for row in rows]


def _search_postgres(user: User, terms: list[str], limit: int) -> list[tuple]:
    vector = sa.literal_column("search_documents.search_vector")
    tsquery = sa.func.websearch_to_tsquery("dutch", " ".join(terms))
    page = (
        sa.select(SearchDocument.id)
        .where(
            vector.op("@@")(tsquery),
            SearchDocument.is_hidden.is_(False),
            _visible(user),
        )
        .order_by(sa.func.ts_rank(vector, tsquery).desc(), SearchDocument.id.desc())
        .limit(limit)
        .subquery()
    )
    document = (
        sa.func.coalesce(SearchDocument.title, "")
        + " "
        + sa.func.coalesce(SearchDocument.body, "")
    )
    snippet = sa.func.ts_headline(
        "dutch",
        document,
        tsquery,
        f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12",
    )
    rows = db.session.execute(
        sa.select(SearchDocument, snippet, sa.func.ts_rank(vector, tsquery))
        .join(page, page.c.id == SearchDocument.id)
        .order_by(sa.func.ts_rank(vector, tsquery).desc(), SearchDocument.id.desc())
    )
    return [(found, text) for found, text, _rank in rows]


def _url(document: SearchDocument) -> str:
    if document.kind == SearchKind.CASE:
        return url_for("cases.detail", case_id=document.object_id)
    if document.kind == SearchKind.TIP:
        return url_for("tips.detail", tip_id=document.object_id)
    if document.kind == SearchKind.POST:
        return url_for("threads.post", post_id=document.object_id)
    return url_for("threads.detail", thread_id=document.object_id)
