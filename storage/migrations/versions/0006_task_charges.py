"""task charges: a task's community, its reserved estimate and its measured seconds

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 11:00:00

Tasks (finish, music) are charged against the quota windows like clip jobs: the windows sum
``run_s`` of done tasks (and ``estimate_s`` of waiting ones whose Redis reservation is gone)
per person (``user_key``) and per community (``platform`` + ``guild_id``). Existing rows are
filled in from what they already hold: ``guild_id`` from ``origin_json``, ``run_s`` from a
done task's ``result_json`` (the worker has stored it there since the finish profile landed).
Plain SQLAlchemy types only (no imports from reelbot), as in 0001.
"""
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _loads(raw: object) -> dict:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw) if isinstance(raw, str | bytes) else None
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _backfill() -> None:
    """Fill the new columns of existing rows (portable: read in Python, one UPDATE a row)."""
    task = sa.table(
        'task',
        sa.column('id', sa.Uuid()),
        sa.column('state', sa.String()),
        sa.column('origin_json', sa.Text()),
        sa.column('result_json', sa.JSON()),
        sa.column('guild_id', sa.String()),
        sa.column('run_s', sa.Float()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(task.c.id, task.c.state, task.c.origin_json, task.c.result_json)).all()
    for task_id, state, origin_json, result_json in rows:
        guild = _loads(origin_json).get('guild_id')
        run_s = _loads(result_json).get('run_s') if state == 'done' else None
        values = {
            'guild_id': str(guild) if guild else None,
            'run_s': float(run_s) if isinstance(run_s, int | float) else None,
        }
        if any(v is not None for v in values.values()):
            bind.execute(sa.update(task).where(task.c.id == task_id).values(**values))


def upgrade() -> None:
    with op.batch_alter_table('task') as batch:
        batch.add_column(sa.Column('guild_id', sa.String(length=128), nullable=True))
        batch.add_column(sa.Column('estimate_s', sa.Float(), nullable=True))
        batch.add_column(sa.Column('run_s', sa.Float(), nullable=True))
    op.create_index(op.f('ix_task_user_key_created_at'), 'task', ['user_key', 'created_at'], unique=False)
    op.create_index(
        op.f('ix_task_platform_guild_id_created_at'), 'task', ['platform', 'guild_id', 'created_at'],
        unique=False,
    )
    op.create_index(
        op.f('ix_task_kind_state_created_at'), 'task', ['kind', 'state', 'created_at'], unique=False
    )
    _backfill()


def downgrade() -> None:
    op.drop_index(op.f('ix_task_kind_state_created_at'), table_name='task')
    op.drop_index(op.f('ix_task_platform_guild_id_created_at'), table_name='task')
    op.drop_index(op.f('ix_task_user_key_created_at'), table_name='task')
    with op.batch_alter_table('task') as batch:
        batch.drop_column('run_s')
        batch.drop_column('estimate_s')
        batch.drop_column('guild_id')
