"""submission keys: a form sent twice makes one item

Revision ID: 753aa60d39a3
Revises: fdd8311a06dc
Create Date: 2026-11-24 09:18:29.133104

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '753aa60d39a3'
down_revision = 'fdd8311a06dc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_key', sa.String(length=64), nullable=True))

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_posts_author_id_submission_key'), ['author_id', 'submission_key'])



def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_posts_author_id_submission_key'), type_='unique')
        batch_op.drop_column('submission_key')

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('submission_key')

