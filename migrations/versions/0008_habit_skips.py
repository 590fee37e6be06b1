"""habit skips

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "habit_skips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("habit_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["habit_id"], ["habits.id"], name=op.f("fk_habit_skips_habit_id_habits"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_habit_skips")),
        sa.UniqueConstraint("habit_id", "date", name="uq_habit_skips_habit_id_date"),
    )


def downgrade():
    op.drop_table("habit_skips")
