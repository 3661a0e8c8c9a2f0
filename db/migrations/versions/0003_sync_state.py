"""sync state: what each center looked like when this database last synced with a peer

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 09:00:00

`directory-app sync` merges two copies of the directory (a laptop's SQLite file and the clinic
network's shared PostgreSQL database, say). To tell "changed here since we last agreed" from
"changed there", each database keeps, per peer database and per center uid, the center's
version in this database and a digest of its content right after the last successful sync.
A peer is named by the `database_id` key in `app_settings` (created by the first sync).

No foreign key to centers on purpose: the row must outlive a deleted center, because that is how
the next sync recognises a deletion rather than a center the other side never had.
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sync_state',
        sa.Column('peer', sa.String(length=32), nullable=False),
        sa.Column('uid', sa.String(length=32), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('synced_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('peer', 'uid'),
    )


def downgrade() -> None:
    op.drop_table('sync_state')
