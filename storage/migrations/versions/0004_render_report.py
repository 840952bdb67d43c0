"""render_report: what each finished job's render really ran (mode, counted passes, device)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 16:40:00

The worker stores its RenderReport with the job; the cost and wait estimates refit on it
(reelbot.app.estimates). Nullable: jobs finished before this revision have none.
Plain SQLAlchemy types only (no imports from reelbot), as in 0001.
"""
from collections.abc import Sequence
from typing import Union

from alembic import op
import sqlalchemy as sa

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('job') as batch:
        batch.add_column(sa.Column('render_report', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('job') as batch:
        batch.drop_column('render_report')
