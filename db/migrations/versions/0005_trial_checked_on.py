"""trial checked_on: when an update last fetched the trial's record from the registry

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-03 18:00:00

`trials.last_update` is the registry's own date (when the sponsor last changed the record);
`trials.checked_on` is ours: the day an update from ClinicalTrials.gov last read the record,
whether or not anything in it had changed. A coordinator needs both to judge a status: a
"recruiting" last updated in 2021 but checked yesterday is what the registry says today.

A nullable column added in place (ALTER TABLE ... ADD COLUMN on both engines), so no table is
rebuilt, every row is kept as it is, and the search triggers on `trials` (migration 0002) stay.
Existing trials start as never checked (NULL). Sites the registry stopped listing are marked
with the site status "removed"; that is a value of the existing `trial_sites.site_status`
column and needs no schema change.
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('trials', sa.Column('checked_on', sa.Date(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the
    # search triggers on `trials`.
    op.execute('ALTER TABLE trials DROP COLUMN checked_on')
