"""trial sites known only by their city; how many sites a trial has; where a trial record came from

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-04 06:30:00

Some registry downloads name only a trial's first site, by its city, and how many sites the
registry lists ("a site in Chicago, IL; 1 of 8 sites"), with no facility name. Such a site is
kept as a `trial_places` row: a located place of the trial that is not a center, so the trial
is still found by distance and no center is ever invented for it. Where the trial's sponsor is
a center already in the directory in that very city, the row links that center and says it was
inferred that way (`inferred_from`); the matching `trial_sites` link says the same.

`trials.sites_total` is the registry's count of sites (NULL: the source did not say) and
`trials.record_source` names the download the trial's record was read from.

Only a table and nullable columns are added: existing rows keep every value.
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both engines: no table is rebuilt, so the search triggers on
    # trial_sites (0002) stay as they are.
    op.add_column('trials', sa.Column('sites_total', sa.Integer(), nullable=True))
    op.add_column('trials', sa.Column('record_source', sa.String(length=120), nullable=True))
    op.add_column('trial_sites', sa.Column('inferred_from', sa.String(length=40), nullable=True))
    op.create_table(
        'trial_places',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column(
            'trial_id', sa.Integer(), sa.ForeignKey('trials.id', ondelete='CASCADE'),
            nullable=False,
        ),
        sa.Column('city', sa.String(length=120), nullable=True),
        sa.Column('region', sa.String(length=120), nullable=True),
        sa.Column('country', sa.String(length=80), nullable=True),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('location_source', sa.String(length=20), nullable=True),
        sa.Column(
            'center_id', sa.Integer(), sa.ForeignKey('centers.id', ondelete='SET NULL'),
            nullable=True,
        ),
        sa.Column('inferred_from', sa.String(length=40), nullable=True),
        sa.Column(
            'import_batch_id', sa.Integer(),
            sa.ForeignKey('import_batches.id', ondelete='SET NULL'), nullable=True,
        ),
    )
    op.create_index('ix_trial_places_trial_id', 'trial_places', ['trial_id'])
    op.create_index('ix_trial_places_center_id', 'trial_places', ['center_id'])
    op.create_index('ix_trial_places_lat_lon', 'trial_places', ['latitude', 'longitude'])


def downgrade() -> None:
    op.drop_index('ix_trial_places_lat_lon', table_name='trial_places')
    op.drop_index('ix_trial_places_center_id', table_name='trial_places')
    op.drop_index('ix_trial_places_trial_id', table_name='trial_places')
    op.drop_table('trial_places')
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild would break the
    # search triggers that read trial_sites (0002).
    op.execute('ALTER TABLE trial_sites DROP COLUMN inferred_from')
    op.execute('ALTER TABLE trials DROP COLUMN record_source')
    op.execute('ALTER TABLE trials DROP COLUMN sites_total')
