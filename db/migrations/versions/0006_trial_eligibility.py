"""trial eligibility and per-site contacts from the registry

Revision ID: 0006
Revises: 0008
Create Date: 2026-12-03 18:00:00

"Who can take this patient?" is answered per trial: its own age limits, which sexes it enrols,
whether it takes healthy volunteers, its enrolment and dates, and its eligibility criteria
(the registry's text, and the same split into inclusion and exclusion lists for display).
Each trial site also keeps the contacts the registry lists for it (API v2
`locations[].contacts`), so a referral names who to call at that center about that trial.

Only columns are added, all nullable: existing rows keep every value and read "not recorded"
(NULL) for the new facts until a registry file that carries them is imported. NULL lists mean
"the source said nothing"; an empty list means it listed none.
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0008'
branch_labels = None
depends_on = None

TRIAL_COLUMNS = (
    ('sex', sa.String(length=10)),
    ('healthy_volunteers', sa.Boolean()),
    ('enrollment', sa.Integer()),
    ('start_date', sa.Date()),
    ('completion_date', sa.Date()),
    ('eligibility_text', sa.Text()),
    ('inclusion_criteria', sa.JSON()),
    ('exclusion_criteria', sa.JSON()),
)


def upgrade() -> None:
    # Plain ADD COLUMN on both engines: no table is rebuilt, so the search triggers on
    # trial_sites (0002) and every row stay as they are.
    for name, kind in TRIAL_COLUMNS:
        op.add_column('trials', sa.Column(name, kind, nullable=True))
    op.add_column('trial_sites', sa.Column('contacts', sa.JSON(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+) on both engines: a batch rebuild of
    # trial_sites or trials would break the search triggers that read them (0002).
    op.execute('ALTER TABLE trial_sites DROP COLUMN contacts')
    for name, _kind in reversed(TRIAL_COLUMNS):
        op.execute(f'ALTER TABLE trials DROP COLUMN {name}')
