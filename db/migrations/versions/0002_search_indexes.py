"""search indexes: a compact per-center search table clustered by map cell; full-text index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00

`center_search` holds, per center, everything the search filters and sorts on: coordinates and
the map cell they fall in, the center columns criteria read, and its facts folded into
`,code,code,` sets and counts (specialties, services, therapies, conditions - each also as the
verified-only subset - disciplines, trial links, active and recruiting trials, red flags).
Its primary key is (lat_cell, lon_cell, center_id) with quarter-degree cells, so on SQLite
(WITHOUT ROWID) neighbouring centers are stored together and a bounding box is read as a few
contiguous ranges instead of thousands of scattered row lookups. Unlocated centers sit in cell
(-1, -1). Triggers on every source table keep it current for every writer (ORM, bulk Core
inserts, raw SQL), so nothing has to remember to refresh it.

Full text: on SQLite an FTS5 table `centers_fts` (rowid = centers.id; name, city, notes and the
titles of the center's trials), kept current by triggers; on PostgreSQL GIN indexes over
`to_tsvector('simple', ...)` expressions, which cannot go stale. The search code must use the
same expressions (`directory_app/core/search_sql.py`).

Later migrations: a SQLite batch migration that rebuilds centers, a fact table, trial_sites or
trials drops that table's triggers; recreate them with `_sqlite_triggers()` as written here. The
search tests check that the search table and full text stay in step after every kind of write.
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

CELLS_PER_DEGREE = 4
#: Must match directory_app.core.vocab.ACTIVE_TRIAL_STATUSES (a test checks it).
ACTIVE_STATUSES = ("recruiting", "not_yet_recruiting", "enrolling_by_invitation",
                   "active_not_recruiting")  # fmt: skip
#: Center columns copied as they are.
COPIED = (
    "latitude", "longitude", "name", "kind", "setting", "accreditation", "cost_min_usd",
    "age_min", "age_max", "insurance_accepted", "financial_assistance", "last_verified",
)  # fmt: skip
FACT_TABLES = ("team_members", "therapy_offerings", "conditions_treated", "trial_sites",
               "red_flags")  # fmt: skip
_STATUS = "coalesce(trial_sites.site_status, trials.status)"
_VERIFIED = " AND source = 'verified'"


def _set(table: str, column: str, where: str = "") -> str:
    return (f"coalesce((SELECT ',' || AGG({column}) || ',' FROM {table}"
            f" WHERE {table}.center_id = CID{where}), '')")  # fmt: skip


def _count(table: str, where: str = "") -> str:
    return f"(SELECT count(*) FROM {table} WHERE {table}.center_id = CID{where})"


def _trials(where: str) -> str:
    return ("(SELECT count(*) FROM trial_sites JOIN trials ON trials.id = trial_sites.trial_id"
            f" WHERE trial_sites.center_id = CID AND {where})")  # fmt: skip


_ACTIVE = ", ".join(f"'{s}'" for s in ACTIVE_STATUSES)
_SPEC, _SERV = " AND role = 'specialty'", " AND role = 'service'"
#: Source table -> {search column: SQL template; CID = the center id, AGG = comma aggregate}.
FACETS: dict[str, dict[str, str]] = {
    "team_members": {
        "specialties": _set("team_members", "discipline", _SPEC),
        "specialties_verified": _set("team_members", "discipline", _SPEC + _VERIFIED),
        "services": _set("team_members", "discipline", _SERV),
        "services_verified": _set("team_members", "discipline", _SERV + _VERIFIED),
        "disciplines": _count("team_members"),
        "disciplines_verified": _count("team_members", _VERIFIED),
    },
    "therapy_offerings": {
        "therapies": _set("therapy_offerings", "therapy"),
        "therapies_verified": _set("therapy_offerings", "therapy", _VERIFIED),
    },
    "conditions_treated": {
        "conditions": _set("conditions_treated", "condition"),
        "conditions_verified": _set("conditions_treated", "condition", _VERIFIED),
    },
    "trial_sites": {
        "trial_links": _count("trial_sites"),
        "trials_active": _trials(f"{_STATUS} IN ({_ACTIVE})"),
        "trials_recruiting": _trials(f"{_STATUS} = 'recruiting'"),
    },
    "red_flags": {"red_flags": _count("red_flags")},
}


class _Dialect:
    """The little that differs: comma aggregation and a floor that yields an integer."""

    def __init__(self, name: str) -> None:
        self.name = name

    def expr(self, template: str, cid: str) -> str:
        agg = "group_concat({}, ',')" if self.name == "sqlite" else "string_agg({}, ',')"
        out = template.replace("CID", cid)
        while "AGG(" in out:
            start = out.index("AGG(")
            end = out.index(")", start)
            out = out[:start] + agg.format(out[start + 4 : end]) + out[end + 1 :]
        return out

    def cells(self, row: str) -> list[str]:
        """(lat_cell, lon_cell) of `row`, -1 when unlocated. Shifted non-negative, so SQLite's
        truncating CAST is a floor; PostgreSQL's CAST rounds, hence floor() there."""
        missing = f"{row}.latitude IS NULL OR {row}.longitude IS NULL"
        out = []
        for column, shift in (("latitude", 90), ("longitude", 180)):
            value = f"({row}.{column} + {shift}) * {CELLS_PER_DEGREE}"
            floor = value if self.name == "sqlite" else f"floor({value})"
            cell = f"CAST({floor} AS INTEGER)"
            out.append(f"CASE WHEN {missing} THEN -1 ELSE {cell} END")
        return out

    def insert_row(self, row: str, cid: str, source: str = "") -> str:
        """INSERT of the whole search row of center `row` (VALUES, or SELECT ... `source`)."""
        columns = ["lat_cell", "lon_cell", "center_id", *COPIED]
        values = [*self.cells(row), cid, *(f"{row}.{c}" for c in COPIED)]
        for group in FACETS.values():
            columns += list(group)
            values += [self.expr(t, cid) for t in group.values()]
        listed = ", ".join(values)
        body = f"SELECT {listed} FROM {source}" if source else f"VALUES ({listed})"
        return f"INSERT INTO center_search ({', '.join(columns)}) {body}"

    def update_center(self, new: str, old: str) -> str:
        lat_cell, lon_cell = self.cells(new)
        sets = ", ".join(f"{c} = {new}.{c}" for c in COPIED)
        return (f"UPDATE center_search SET lat_cell = {lat_cell}, lon_cell = {lon_cell},"
                f" center_id = {new}.id, {sets} WHERE center_id = {old}.id")  # fmt: skip

    def update_facts(self, table: str, cid: str, where: str | None = None) -> str:
        sets = ", ".join(f"{c} = {self.expr(t, cid)}" for c, t in FACETS[table].items())
        return f"UPDATE center_search SET {sets} WHERE {where or f'center_id = {cid}'}"


def _create_search_table() -> None:
    counts = {"disciplines", "disciplines_verified", "trial_links", "trials_active",
              "trials_recruiting", "red_flags"}  # fmt: skip
    facts = [
        sa.Column(name, sa.Integer() if name in counts else sa.Text(), nullable=False)
        for group in FACETS.values()
        for name in group
    ]
    op.create_table(
        "center_search",
        sa.Column("lat_cell", sa.Integer(), nullable=False),
        sa.Column("lon_cell", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Float()), sa.Column("longitude", sa.Float()),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(30)), sa.Column("setting", sa.String(20)),
        sa.Column("accreditation", sa.String(20)), sa.Column("cost_min_usd", sa.Integer()),
        sa.Column("age_min", sa.Integer()), sa.Column("age_max", sa.Integer()),
        sa.Column("insurance_accepted", sa.Boolean()),
        sa.Column("financial_assistance", sa.Boolean()), sa.Column("last_verified", sa.Date()),
        *facts,
        sa.PrimaryKeyConstraint("lat_cell", "lon_cell", "center_id"),
        sqlite_with_rowid=False,
    )  # fmt: skip
    op.create_index("ix_center_search_center_id", "center_search", ["center_id"], unique=True)


# --------------------------------------------------------------------------------------------
# SQLite: triggers with plain SQL bodies; FTS5 for text.

_TITLES = (
    "coalesce((SELECT group_concat(trials.title, ' ') FROM trial_sites"
    " JOIN trials ON trials.id = trial_sites.trial_id WHERE trial_sites.center_id = CID), '')"
)
_FTS_ROW = (
    "INSERT INTO centers_fts (rowid, name, city, notes, trials) SELECT {row}.id, {row}.name,"
    " coalesce({row}.city, ''), coalesce({row}.notes, ''), {titles}"
)
_FTS_TITLES = "UPDATE centers_fts SET trials = {titles} WHERE rowid = {cid};"


def _sqlite_triggers() -> list[str]:
    d = _Dialect("sqlite")
    watched = ", ".join(("id",) + COPIED)
    fts_new = _FTS_ROW.format(row="new", titles=_TITLES.replace("CID", "new.id"))
    out = [
        f"CREATE TRIGGER center_search_insert AFTER INSERT ON centers BEGIN"
        f" {d.insert_row('new', 'new.id')}; {fts_new} WHERE 1; END",
        f"CREATE TRIGGER center_search_update AFTER UPDATE OF {watched} ON centers BEGIN"
        f" {d.update_center('new', 'old')}; END",
        "CREATE TRIGGER centers_fts_update AFTER UPDATE OF id, name, city, notes ON centers BEGIN"
        f" DELETE FROM centers_fts WHERE rowid = old.id; {fts_new} WHERE 1; END",
        "CREATE TRIGGER center_search_delete AFTER DELETE ON centers BEGIN"
        " DELETE FROM center_search WHERE center_id = old.id;"
        " DELETE FROM centers_fts WHERE rowid = old.id; END",
    ]
    for table in FACT_TABLES:
        fts = {"old": "", "new": ""}
        if table == "trial_sites":
            fts = {r: _FTS_TITLES.format(titles=_TITLES.replace("CID", f"{r}.center_id"),
                                         cid=f"{r}.center_id") for r in fts}  # fmt: skip
        new = f"{d.update_facts(table, 'new.center_id')}; {fts['new']}"
        old = f"{d.update_facts(table, 'old.center_id')}; {fts['old']}"
        out += [
            f"CREATE TRIGGER center_search_{table}_insert AFTER INSERT ON {table} BEGIN {new} END",
            f"CREATE TRIGGER center_search_{table}_delete AFTER DELETE ON {table} BEGIN {old} END",
            f"CREATE TRIGGER center_search_{table}_update AFTER UPDATE ON {table} BEGIN"
            f" {old} {new} END",
        ]
    linked = "center_id IN (SELECT center_id FROM trial_sites WHERE trial_id = new.id)"
    out += [
        "CREATE TRIGGER center_search_trials_status AFTER UPDATE OF status ON trials BEGIN"
        f" {d.update_facts('trial_sites', 'center_search.center_id', linked)}; END",
        "CREATE TRIGGER centers_fts_trial_title AFTER UPDATE OF title ON trials BEGIN"
        f" UPDATE centers_fts SET trials = {_TITLES.replace('CID', 'centers_fts.rowid')}"
        " WHERE rowid IN (SELECT center_id FROM trial_sites WHERE trial_id = new.id); END",
    ]
    return out


def _sqlite_trigger_names() -> list[str]:
    names = [
        "center_search_insert", "center_search_update", "centers_fts_update",
        "center_search_delete", "center_search_trials_status", "centers_fts_trial_title",
    ]  # fmt: skip
    for table in FACT_TABLES:
        names += [f"center_search_{table}_{op_}" for op_ in ("insert", "delete", "update")]
    return names


def _upgrade_sqlite() -> None:
    d = _Dialect("sqlite")
    op.execute(sa.text(
        "CREATE VIRTUAL TABLE centers_fts USING fts5(name, city, notes, trials,"
        " tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    ))  # fmt: skip
    op.execute(sa.text(d.insert_row("centers", "centers.id", source="centers")))
    fill = _FTS_ROW.format(row="centers", titles=_TITLES.replace("CID", "centers.id"))
    op.execute(sa.text(f"{fill} FROM centers"))
    for statement in _sqlite_triggers():
        op.execute(sa.text(statement))


# --------------------------------------------------------------------------------------------
# PostgreSQL: the same statements inside PL/pgSQL trigger functions; GIN indexes for text.

_PG_CENTER_DOCUMENT = (
    "to_tsvector('simple', search_fold(coalesce(name, '') || ' ' || coalesce(city, '')"
    " || ' ' || coalesce(notes, '')))"
)
#: Letters without a decomposition that people type without the mark. With fold_table(), a copy
#: of directory_app.core.search_sql's (a test checks they agree): migrations do not import app
#: code, which may change after they are written.
SPECIAL_FOLDS = {"ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th", "Þ": "th",
                 "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l",
                 "ı": "i"}  # fmt: skip


def fold_table() -> dict[str, str]:
    """Accented Latin letters (U+00C0-U+017F) -> lowercase ASCII."""
    import unicodedata

    table = dict(SPECIAL_FOLDS)
    for code in range(0xC0, 0x180):
        letter = chr(code)
        base = unicodedata.normalize("NFKD", letter)[0]
        if letter not in table and base != letter and base.isascii() and base.isalpha():
            table[letter] = base.lower()
    return table


#: Punctuation the folding turns into spaces, as FTS5's tokenizer does: PostgreSQL's parser would
#: otherwise keep "HSCT/MSC" or "St.Mary's" as one token and never match "msc" or "mary".
#: Listed rather than matched by a regex class, which under the C locale would also blank out
#: non-Latin letters.
PUNCTUATION = "!\"#%&'()*+,-./:;<=>?@[\\]^_`{|}~$\u2018\u2019\u201c\u201d\u2013\u2014\u00b7"


def _pg_fold_function() -> str:
    """IMMUTABLE (so it can be indexed) accent, case and punctuation folding; `unaccent` is a
    contrib extension a clinic's server may lack, and is not immutable."""
    table = fold_table()
    expr = "$1"
    for letter, ascii_ in table.items():
        if len(ascii_) > 1:
            expr = f"replace({expr}, '{letter}', '{ascii_}')"
    single = {k: v for k, v in table.items() if len(v) == 1}
    source = "".join(single) + PUNCTUATION.replace("'", "''")
    target = "".join(single.values()) + " " * len(PUNCTUATION)
    return (
        "CREATE FUNCTION search_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE"
        f" AS $$ SELECT lower(translate({expr}, '{source}', '{target}')) $$"
    )


def _pg_function(name: str, body: str) -> str:
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN {body} RETURN NULL; END $$")  # fmt: skip


def _upgrade_postgresql() -> None:
    d = _Dialect("postgresql")
    watched = ", ".join(("id",) + COPIED)
    statements = [
        d.insert_row("centers", "centers.id", source="centers"),
        _pg_function("center_search_on_insert", f"{d.insert_row('NEW', 'NEW.id')};"),
        _pg_function("center_search_on_update", f"{d.update_center('NEW', 'OLD')};"),
        _pg_function(
            "center_search_on_delete", "DELETE FROM center_search WHERE center_id = OLD.id;"
        ),
        "CREATE TRIGGER center_search_insert AFTER INSERT ON centers"
        " FOR EACH ROW EXECUTE FUNCTION center_search_on_insert()",
        f"CREATE TRIGGER center_search_update AFTER UPDATE OF {watched} ON centers"
        " FOR EACH ROW EXECUTE FUNCTION center_search_on_update()",
        "CREATE TRIGGER center_search_delete AFTER DELETE ON centers"
        " FOR EACH ROW EXECUTE FUNCTION center_search_on_delete()",
    ]
    for table in FACT_TABLES:
        body = (
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {d.update_facts(table, 'OLD.center_id')};"
            f" END IF; IF TG_OP IN ('INSERT', 'UPDATE') THEN"
            f" {d.update_facts(table, 'NEW.center_id')}; END IF;"
        )
        statements += [
            _pg_function(f"center_search_on_{table}", body),
            f"CREATE TRIGGER center_search_{table} AFTER INSERT OR UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION center_search_on_{table}()",
        ]
    linked = "center_id IN (SELECT center_id FROM trial_sites WHERE trial_id = NEW.id)"
    statements += [
        _pg_function(
            "center_search_on_trial_status",
            f"{d.update_facts('trial_sites', 'center_search.center_id', linked)};",
        ),
        "CREATE TRIGGER center_search_trials_status AFTER UPDATE OF status ON trials"
        " FOR EACH ROW EXECUTE FUNCTION center_search_on_trial_status()",
        _pg_fold_function(),
        f"CREATE INDEX ix_centers_fulltext ON centers USING gin ({_PG_CENTER_DOCUMENT})",
        "CREATE INDEX ix_trials_title_fulltext ON trials"
        " USING gin (to_tsvector('simple', search_fold(title)))",
    ]
    for statement in statements:
        op.execute(sa.text(statement))


_PG_FUNCTIONS = [
    "center_search_on_insert", "center_search_on_update", "center_search_on_delete",
    "center_search_on_trial_status", *(f"center_search_on_{t}" for t in FACT_TABLES),
]  # fmt: skip


def upgrade() -> None:
    _create_search_table()
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _upgrade_sqlite()
    elif dialect == "postgresql":
        _upgrade_postgresql()
    else:  # the app supports SQLite and PostgreSQL only
        raise NotImplementedError(f"search indexes for {dialect} are not written")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _sqlite_trigger_names():
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
        op.execute(sa.text("DROP TABLE IF EXISTS centers_fts"))
    elif dialect == "postgresql":
        for name in _PG_FUNCTIONS:
            op.execute(sa.text(f"DROP FUNCTION IF EXISTS {name}() CASCADE"))
        op.execute(sa.text("DROP INDEX IF EXISTS ix_trials_title_fulltext"))
        op.execute(sa.text("DROP INDEX IF EXISTS ix_centers_fulltext"))
        op.execute(sa.text("DROP FUNCTION IF EXISTS search_fold(text)"))
    op.drop_index("ix_center_search_center_id", table_name="center_search")
    op.drop_table("center_search")
