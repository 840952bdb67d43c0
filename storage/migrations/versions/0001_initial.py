"""initial schema: users, jobs, clips, assets, job references, communities, moderation events

Revision ID: 0001
Revises:
Create Date: 2026-11-25 17:13:18.086773

Plain SQLAlchemy types only (no imports from reelbot): a migration must keep meaning the
same thing when the models change later. Enums are VARCHARs holding the enum's value.
"""
from collections.abc import Sequence
from typing import Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('asset',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=512), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_asset'))
    )
    op.create_table('community',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('community_id', sa.String(length=128), nullable=False),
    sa.Column('settings_json', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community')),
    sa.UniqueConstraint('platform', 'community_id', name=op.f('uq_community_platform_community_id'))
    )
    op.create_table('moderation_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('community_id', sa.String(length=128), nullable=True),
    sa.Column('platform_user_id', sa.String(length=128), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=128), nullable=False),
    sa.Column('matched_term', sa.String(length=256), nullable=True),
    sa.Column('excerpt', sa.String(length=512), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_event'))
    )
    with op.batch_alter_table('moderation_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_event_platform_community_id_created_at'), ['platform', 'community_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_event_platform_user_id'), ['platform_user_id'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('platform_user_id', sa.String(length=128), nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=True),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('platform', 'platform_user_id', name=op.f('uq_user_platform_platform_user_id'))
    )
    op.create_table('job',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('request_json', sa.Text(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('preset', sa.String(length=64), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('lane', sa.String(length=16), nullable=False),
    sa.Column('parent_clip_id', sa.Uuid(), nullable=True),
    sa.Column('remix_kind', sa.String(length=16), nullable=True),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('channel_id', sa.String(length=128), nullable=True),
    sa.Column('guild_id', sa.String(length=128), nullable=True),
    sa.Column('message_id', sa.String(length=128), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=128), nullable=True),
    sa.Column('step', sa.Integer(), nullable=True),
    sa.Column('total_steps', sa.Integer(), nullable=True),
    sa.Column('error_key', sa.String(length=128), nullable=True),
    sa.Column('error_detail', sa.Text(), nullable=True),
    sa.Column('gpu_seconds', sa.Float(), nullable=True),
    sa.Column('moderation_json', sa.JSON(), nullable=True),
    sa.Column('consent_required', sa.Boolean(), nullable=False),
    sa.Column('consent_given_by', sa.String(length=128), nullable=True),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_job_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_job_idempotency_key'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_parent_clip_id'), ['parent_clip_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_platform_guild_id_created_at'), ['platform', 'guild_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_state_created_at'), ['state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_user_id_created_at'), ['user_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_user_id_state'), ['user_id', 'state'], unique=False)

    op.create_table('clip',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('parent_clip_id', sa.Uuid(), nullable=True),
    sa.Column('remix_kind', sa.String(length=16), nullable=True),
    sa.Column('root_clip_id', sa.Uuid(), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('video_key', sa.String(length=512), nullable=True),
    sa.Column('thumbnail_key', sa.String(length=512), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('fps', sa.Integer(), nullable=False),
    sa.Column('num_frames', sa.Integer(), nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_clip_job_id_job')),
    sa.ForeignKeyConstraint(['parent_clip_id'], ['clip.id'], name=op.f('fk_clip_parent_clip_id_clip')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_clip_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clip')),
    sa.UniqueConstraint('job_id', name=op.f('uq_clip_job_id'))
    )
    with op.batch_alter_table('clip', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clip_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_clip_parent_clip_id'), ['parent_clip_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clip_root_clip_id'), ['root_clip_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clip_user_id'), ['user_id'], unique=False)

    op.create_table('job_reference',
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('asset_sha256', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['asset_sha256'], ['asset.sha256'], name=op.f('fk_job_reference_asset_sha256_asset')),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_job_reference_job_id_job')),
    sa.PrimaryKeyConstraint('job_id', 'position', name=op.f('pk_job_reference'))
    )
    with op.batch_alter_table('job_reference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_reference_asset_sha256'), ['asset_sha256'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('job_reference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_reference_asset_sha256'))

    op.drop_table('job_reference')
    with op.batch_alter_table('clip', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clip_user_id'))
        batch_op.drop_index(batch_op.f('ix_clip_root_clip_id'))
        batch_op.drop_index(batch_op.f('ix_clip_parent_clip_id'))
        batch_op.drop_index(batch_op.f('ix_clip_created_at'))

    op.drop_table('clip')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_user_id_state'))
        batch_op.drop_index(batch_op.f('ix_job_user_id_created_at'))
        batch_op.drop_index(batch_op.f('ix_job_state_created_at'))
        batch_op.drop_index(batch_op.f('ix_job_platform_guild_id_created_at'))
        batch_op.drop_index(batch_op.f('ix_job_parent_clip_id'))
        batch_op.drop_index(batch_op.f('ix_job_message_id'))
        batch_op.drop_index(batch_op.f('ix_job_channel_id'))

    op.drop_table('job')
    op.drop_table('user')
    with op.batch_alter_table('moderation_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_event_platform_user_id'))
        batch_op.drop_index(batch_op.f('ix_moderation_event_platform_community_id_created_at'))

    op.drop_table('moderation_event')
    op.drop_table('community')
    op.drop_table('asset')
