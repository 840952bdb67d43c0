"""tasks: worker tasks that are not clip renders (draft assembly, Finish for Shorts)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 16:10:00

Plain SQLAlchemy types only (no imports from reelbot), as in 0001.
"""
from collections.abc import Sequence
from typing import Union

from alembic import op
import sqlalchemy as sa

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('task',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('lane', sa.String(length=16), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('user_key', sa.String(length=160), nullable=False),
    sa.Column('origin_json', sa.Text(), nullable=False),
    sa.Column('clip_id', sa.Uuid(), nullable=True),
    sa.Column('payload_json', sa.JSON(), nullable=False),
    sa.Column('result_json', sa.JSON(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=128), nullable=True),
    sa.Column('step', sa.Integer(), nullable=True),
    sa.Column('total_steps', sa.Integer(), nullable=True),
    sa.Column('error_key', sa.String(length=128), nullable=True),
    sa.Column('error_detail', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_task_idempotency_key'))
    )
    op.create_index(op.f('ix_task_state_created_at'), 'task', ['state', 'created_at'], unique=False)
    op.create_index(op.f('ix_task_clip_id_kind_state'), 'task', ['clip_id', 'kind', 'state'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_task_clip_id_kind_state'), table_name='task')
    op.drop_index(op.f('ix_task_state_created_at'), table_name='task')
    op.drop_table('task')
