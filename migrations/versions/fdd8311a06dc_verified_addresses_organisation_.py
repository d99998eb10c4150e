"""verified addresses, organisation approval, login sessions, two-factor login

Revision ID: fdd8311a06dc
Revises: 74eda78005c7
Create Date: 2026-11-24 08:58:27.451380

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fdd8311a06dc'
down_revision = '74eda78005c7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_sessions_token_hash'))
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('programme_id',
               existing_type=sa.INTEGER(),
               nullable=True)

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_status', sa.Enum('active', 'pending', 'declined', name='organisationstatus', native_enum=False, length=20), nullable=False, server_default='active'))
        batch_op.add_column(sa.Column('organisation_decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_users_session_token'), type_='unique')
        batch_op.drop_column('session_token')

    # Everyone who had an account before verification existed keeps full access:
    # their addresses were used for months; organisations that existed are known.
    op.execute("UPDATE users SET email_verified_at = created_at WHERE deleted_at IS NULL")
    op.execute("UPDATE organisations SET approved_at = created_at")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.VARCHAR(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_session_token'), ['session_token'])
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('email_verified_at')
        batch_op.drop_column('organisation_decided_at')
        batch_op.drop_column('organisation_status')

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('declined_at')
        batch_op.drop_column('approved_at')

    # Decisions outside a programme had no place in the old log.
    op.execute("DELETE FROM audit_entries WHERE programme_id IS NULL")
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('programme_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))

    op.drop_table('recovery_codes')
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_user_id'))

    op.drop_table('login_sessions')
    # Every session ends: the old column held one random token per person.
    op.execute("UPDATE users SET session_token = 'downgraded-' || id")
