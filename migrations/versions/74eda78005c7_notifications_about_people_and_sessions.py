"""notifications about people and sessions

Revision ID: 74eda78005c7
Revises: 8831b78d872e
Create Date: 2026-11-24 08:37:02.983212

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '74eda78005c7'
down_revision = '8831b78d872e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=False, server_default=''))
        batch_op.alter_column('kind',
               existing_type=sa.VARCHAR(length=20),
               type_=sa.Enum('reply', 'mention', name='notificationkind', native_enum=False, length=30),
               existing_nullable=False)
        batch_op.alter_column('post_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_meeting_id_meetings'), 'meetings', ['meeting_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_notifications_person_id_users'), 'users', ['person_id'], ['id'], ondelete='CASCADE')



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_person_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notifications_meeting_id_meetings'), type_='foreignkey')
        batch_op.alter_column('post_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.alter_column('kind',
               existing_type=sa.Enum('reply', 'mention', name='notificationkind', native_enum=False, length=30),
               type_=sa.VARCHAR(length=20),
               existing_nullable=False)
        batch_op.drop_column('note')
        batch_op.drop_column('meeting_id')
        batch_op.drop_column('person_id')

