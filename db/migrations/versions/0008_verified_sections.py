"""center verified_sections: which parts of a record a person verified, and when

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-03 23:00:00

Saving one corrected phone number used to mark the whole center verified. `centers.
verified_sections` keeps one date per section of the record (identity, contact, treatment,
care team, setting, costs, accreditation, notes); `last_verified` becomes the date of the least
recently verified section (see `directory_app.core.directory.verification`).

A nullable JSON column added in place (ALTER TABLE ... ADD COLUMN on both engines), so no table
is rebuilt and every row is kept. Existing centers keep NULL, which means exactly what their
single `last_verified` date meant: the whole record verified that day (or never).
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('centers', sa.Column('verified_sections', sa.JSON(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the
    # search triggers on `centers`.
    op.execute('ALTER TABLE centers DROP COLUMN verified_sections')
