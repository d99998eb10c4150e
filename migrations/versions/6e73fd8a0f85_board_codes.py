"""Board codes: a short code per board to type or scan and open it

Revision ID: 6e73fd8a0f85
Revises: 5b1c0de5ea7c
Create Date: 2026-11-24 15:09:05.556548

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6e73fd8a0f85'
down_revision = '5b1c0de5ea7c'
branch_labels = None
depends_on = None

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ2345679"


def upgrade():
    with op.batch_alter_table('boards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=12), nullable=True))
    # Existing boards get a code of their own before the column becomes required.
    connection = op.get_bind()
    boards = sa.table("boards", sa.column("id", sa.Integer), sa.column("code", sa.String))
    used = set()
    for (board_id,) in connection.execute(sa.select(boards.c.id)).all():
        code = None
        while code is None or code in used:
            code = "".join(secrets.choice(ALPHABET) for _ in range(6))
        used.add(code)
        connection.execute(
            sa.update(boards).where(boards.c.id == board_id).values(code=code)
        )
    with op.batch_alter_table('boards', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=12), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_boards_code'), ['code'])


def downgrade():
    with op.batch_alter_table('boards', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_boards_code'), type_='unique')
        batch_op.drop_column('code')
