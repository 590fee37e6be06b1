"""partial index of the deleted goal boards

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('goal_boards', schema=None) as batch_op:
        batch_op.create_index('ix_goal_boards_deleted', ['id'], unique=False, postgresql_where=sa.text('is_deleted'))


def downgrade():
    with op.batch_alter_table('goal_boards', schema=None) as batch_op:
        batch_op.drop_index('ix_goal_boards_deleted', postgresql_where=sa.text('is_deleted'))
