"""galleries: the community switch, members who left, revocable link generations

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 13:10:00

Plain SQLAlchemy types only (no imports from reelbot), as in 0001.
"""
from collections.abc import Sequence
from typing import Union

from alembic import op
import sqlalchemy as sa

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('community_gallery',
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('community_id', sa.String(length=128), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('platform', 'community_id', name=op.f('pk_community_gallery'))
    )
    op.create_table('community_departure',
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('community_id', sa.String(length=128), nullable=False),
    sa.Column('platform_user_id', sa.String(length=128), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'community_id', 'platform_user_id', name=op.f('pk_community_departure'))
    )
    op.create_table('gallery_link',
    sa.Column('scope', sa.String(length=300), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_gallery_link'))
    )


def downgrade() -> None:
    op.drop_table('gallery_link')
    op.drop_table('community_departure')
    op.drop_table('community_gallery')
