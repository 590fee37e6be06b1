"""habit snoozes, telegram link tokens

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'habit_snoozes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('habit_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['habit_id'], ['habits.id'], name=op.f('fk_habit_snoozes_habit_id_habits'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_habit_snoozes')),
        sa.UniqueConstraint('habit_id', 'date', name='uq_habit_snoozes_habit_id_date'),
    )
    op.create_table(
        'telegram_link_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_telegram_link_tokens_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_telegram_link_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_telegram_link_tokens_token_hash')),
        sa.UniqueConstraint('user_id', name=op.f('uq_telegram_link_tokens_user_id')),
    )


def downgrade():
    op.drop_table('telegram_link_tokens')
    op.drop_table('habit_snoozes')
