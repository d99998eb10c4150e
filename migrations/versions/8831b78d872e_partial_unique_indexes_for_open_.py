"""partial unique indexes for open memberships and applications

Revision ID: 8831b78d872e
Revises: 4d0189a075de
Create Date: 2026-11-24 08:11:08.485932

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8831b78d872e'
down_revision = '4d0189a075de'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_applications_programme_id_organisation_id_open_slot'), type_='unique')
        batch_op.create_index('uq_applications_open', ['programme_id', 'organisation_id'], unique=True, sqlite_where=sa.text("status IN ('accepted', 'intake_planned', 'submitted')"), postgresql_where=sa.text("status IN ('accepted', 'intake_planned', 'submitted')"))
        batch_op.drop_column('open_slot')

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_memberships_group_id_user_id_open_slot'), type_='unique')
        batch_op.create_index('uq_memberships_open', ['group_id', 'user_id'], unique=True, sqlite_where=sa.text("status IN ('active', 'pending')"), postgresql_where=sa.text("status IN ('active', 'pending')"))
        batch_op.drop_column('open_slot')



def downgrade():
    # The open rows get their old marker back before the old constraint returns.
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_slot', sa.INTEGER(), nullable=True))
    op.execute("UPDATE memberships SET open_slot = 1 WHERE status IN ('active', 'pending')")
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index('uq_memberships_open', sqlite_where=sa.text("status IN ('active', 'pending')"), postgresql_where=sa.text("status IN ('active', 'pending')"))
        batch_op.create_unique_constraint(batch_op.f('uq_memberships_group_id_user_id_open_slot'), ['group_id', 'user_id', 'open_slot'])

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_slot', sa.INTEGER(), nullable=True))
    op.execute("UPDATE applications SET open_slot = 1 WHERE status IN ('accepted', 'intake_planned', 'submitted')")
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('uq_applications_open', sqlite_where=sa.text("status IN ('accepted', 'intake_planned', 'submitted')"), postgresql_where=sa.text("status IN ('accepted', 'intake_planned', 'submitted')"))
        batch_op.create_unique_constraint(batch_op.f('uq_applications_programme_id_organisation_id_open_slot'), ['programme_id', 'organisation_id', 'open_slot'])
