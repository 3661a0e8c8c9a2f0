"""center_aliases: the other names a center is registered under, found by the text search

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 13:30:00

One institution registered under several facility names ("UH Hospitals Cleveland",
"University Hospitals Cleveland Medical Center") is one center; each name it was registered
under that is not its own is kept as an alias, with its source like any other fact. The text
search finds a center by any of its aliases:
- SQLite: the alias names join the center's name in the `centers_fts` row (migration 0002). The
  triggers here refresh that row when an alias is added, changed or removed, and
  `centers_fts_update` (0002) is replaced by one that writes the aliases too when the center's
  name, city or notes change. A later migration that recreates 0002's triggers must recreate
  `centers_fts_update` as written here.
- PostgreSQL: a GIN index over the folded alias name; the search asks it beside the centers'
  own document (`directory_app/core/search/sql.py`, `PG_ALIAS_DOCUMENT`).

A new table only: existing rows keep every value.
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

#: 0002's trial titles of a center, for the FTS row (CID = the center id).
_TITLES = (
    "coalesce((SELECT group_concat(trials.title, ' ') FROM trial_sites"
    " JOIN trials ON trials.id = trial_sites.trial_id WHERE trial_sites.center_id = CID), '')"
)
_ALIASES = (
    "coalesce((SELECT ' ' || group_concat(center_aliases.name, ' ') FROM center_aliases"
    " WHERE center_aliases.center_id = CID), '')"
)


def _fts_update(with_aliases: bool) -> str:
    name = "new.name || " + _ALIASES.replace("CID", "new.id") if with_aliases else "new.name"
    return (
        "CREATE TRIGGER centers_fts_update AFTER UPDATE OF id, name, city, notes ON centers BEGIN"
        " DELETE FROM centers_fts WHERE rowid = old.id;"
        " INSERT INTO centers_fts (rowid, name, city, notes, trials) SELECT new.id,"
        f" {name}, coalesce(new.city, ''), coalesce(new.notes, ''),"
        f" {_TITLES.replace('CID', 'new.id')} WHERE 1; END"
    )


def _refresh(row: str) -> str:
    cid = f"{row}.center_id"
    return (
        "UPDATE centers_fts SET name = (SELECT centers.name FROM centers WHERE centers.id ="
        f" {cid}) || {_ALIASES.replace('CID', cid)} WHERE rowid = {cid};"
    )


_ALIAS_TRIGGERS = ("center_aliases_fts_insert", "center_aliases_fts_delete",
                   "center_aliases_fts_update")  # fmt: skip


def upgrade() -> None:
    op.create_table(
        'center_aliases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('center_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('source_ref', sa.String(length=200), nullable=True),
        sa.Column('verified_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['center_id'], ['centers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('center_id', 'name', name='uq_center_aliases_center_name'),
    )
    op.create_index('ix_center_aliases_center_id', 'center_aliases', ['center_id'])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(sa.text("DROP TRIGGER IF EXISTS centers_fts_update"))
        op.execute(sa.text(_fts_update(with_aliases=True)))
        op.execute(sa.text(
            "CREATE TRIGGER center_aliases_fts_insert AFTER INSERT ON center_aliases BEGIN"
            f" {_refresh('new')} END"
        ))  # fmt: skip
        op.execute(sa.text(
            "CREATE TRIGGER center_aliases_fts_delete AFTER DELETE ON center_aliases BEGIN"
            f" {_refresh('old')} END"
        ))  # fmt: skip
        op.execute(sa.text(
            "CREATE TRIGGER center_aliases_fts_update AFTER UPDATE ON center_aliases BEGIN"
            f" {_refresh('old')} {_refresh('new')} END"
        ))  # fmt: skip
    else:
        op.execute(sa.text(
            "CREATE INDEX ix_center_aliases_fulltext ON center_aliases"
            " USING gin (to_tsvector('simple', search_fold(name)))"
        ))  # fmt: skip


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _ALIAS_TRIGGERS:
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
        op.execute(sa.text("DROP TRIGGER IF EXISTS centers_fts_update"))
        op.execute(sa.text(_fts_update(with_aliases=False)))
    op.drop_index('ix_center_aliases_center_id', table_name='center_aliases')
    op.drop_table('center_aliases')
    if op.get_bind().dialect.name == "sqlite":
        # The FTS rows of centers that had aliases still name them: rewrite those names.
        op.execute(sa.text("UPDATE centers_fts SET name = (SELECT name FROM centers"
                           " WHERE centers.id = centers_fts.rowid)"))  # fmt: skip
