"""centers: CMS Certification Number, CMS hospital type and where the contacts came from

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-04 07:45:00

U.S. centers are joined to the CMS Hospital General Information list: `ccn` keeps the CMS
Certification Number as the hospital's identifier, `hospital_type` the type CMS records
("Acute Care Hospitals", "Childrens", ...), and `contact_source` says where the address and
phone came from when that is not the center's own source ("cms", "hifld").

Only nullable columns are added: existing rows keep every value.
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both engines: no table is rebuilt, so the search triggers on
    # centers (0002) stay as they are.
    op.add_column('centers', sa.Column('contact_source', sa.String(length=20), nullable=True))
    op.add_column('centers', sa.Column('ccn', sa.String(length=10), nullable=True))
    op.add_column('centers', sa.Column('hospital_type', sa.String(length=60), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild would break the
    # search triggers (0002).
    op.execute('ALTER TABLE centers DROP COLUMN hospital_type')
    op.execute('ALTER TABLE centers DROP COLUMN ccn')
    op.execute('ALTER TABLE centers DROP COLUMN contact_source')
