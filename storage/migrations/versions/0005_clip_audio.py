"""clip.has_audio: the clip carries an AAC stream (a preset with sound, e.g. LTX-2)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 17:00:00

False for every clip before this revision (no preset made sound then).
Plain SQLAlchemy types only (no imports from reelbot), as in 0001.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('clip') as batch:
        batch.add_column(sa.Column('has_audio', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('clip') as batch:
        batch.drop_column('has_audio')
