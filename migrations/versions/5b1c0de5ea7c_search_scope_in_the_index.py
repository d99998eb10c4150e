"""Search applies the person's scope inside the index: scope words beside the text
(SQLite FTS5), a stored tsvector with its GIN index (PostgreSQL)

Revision ID: 5b1c0de5ea7c
Revises: 8844a4373a85
Create Date: 2026-11-24 14:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5b1c0de5ea7c'
down_revision = '8844a4373a85'
branch_labels = None
depends_on = None

SCOPE_SQL = (
    "CASE WHEN group_id IS NOT NULL THEN 'g' || CAST(group_id AS TEXT) "
    "ELSE 'p' || CAST(programme_id AS TEXT) END || "
    "CASE WHEN organisation_id IS NOT NULL "
    "THEN ' o' || CAST(organisation_id AS TEXT) ELSE '' END"
)
DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TABLE IF EXISTS search_fts",
]


def _fts(columns):
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"""CREATE VIRTUAL TABLE search_fts USING fts5(
            {names}, content='search_documents', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2')""",
        f"""CREATE TRIGGER search_fts_insert AFTER INSERT ON search_documents BEGIN
            INSERT INTO search_fts(rowid, {names}) VALUES (new.id, {new});
        END""",
        f"""CREATE TRIGGER search_fts_delete AFTER DELETE ON search_documents BEGIN
            INSERT INTO search_fts(search_fts, rowid, {names})
            VALUES ('delete', old.id, {old});
        END""",
        f"""CREATE TRIGGER search_fts_update AFTER UPDATE ON search_documents BEGIN
            INSERT INTO search_fts(search_fts, rowid, {names})
            VALUES ('delete', old.id, {old});
            INSERT INTO search_fts(rowid, {names}) VALUES (new.id, {new});
        END""",
        "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
    ]


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for statement in DROP_TRIGGERS:
            op.execute(statement)
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_documents_fts")
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'scope', sa.String(length=60), sa.Computed(SCOPE_SQL, persisted=True),
            nullable=False,
        ))
    if sqlite:
        for statement in _fts(["title", "body", "scope"]):
            op.execute(statement)
    else:
        op.execute(
            """ALTER TABLE search_documents ADD COLUMN search_vector tsvector
            GENERATED ALWAYS AS (to_tsvector('dutch',
                coalesce(title, '') || ' ' || coalesce(body, ''))) STORED"""
        )
        op.execute(
            """CREATE INDEX ix_search_documents_vector ON search_documents
            USING gin (search_vector)"""
        )


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for statement in DROP_TRIGGERS:
            op.execute(statement)
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_documents_vector")
        op.execute("ALTER TABLE search_documents DROP COLUMN search_vector")
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_column('scope')
    if sqlite:
        for statement in _fts(["title", "body"]):
            op.execute(statement)
    else:
        op.execute(
            """CREATE INDEX ix_search_documents_fts ON search_documents USING gin
            (to_tsvector('dutch', coalesce(title, '') || ' ' || coalesce(body, '')))"""
        )
