"""therapy vocabulary: CAR-T (engineered T cells) apart from other cell therapies

Revision ID: 0009
Revises: 0010
Create Date: 2026-12-04 07:00:00

CAR-T cells, autologous or donor-made, and other receptor-engineered T cells are a therapy of
their own (`car_t`), where they used to count as "other cell therapy". Therapies are stored as
their code strings, so no column changes; the data does: every center taking part in a trial
whose interventions or title name CAR-T gets a `car_t` fact from that trial (source
`registry`, the lowest such NCT id, as an import sets it), unless a person edited the center's
therapies. An "other cell therapy" fact stays: it may come from other trials too.

The test below is the classifier's CAR-T rule (`directory_app.core.registry.classify`) in
short: migrations do not import the app, whose rules may change after this revision.
Downgrade removes the registry-inferred `car_t` facts (an older app does not know the code);
a CAR-T fact a person entered becomes "other cell therapy", so nothing a person said is lost.
"""

import json
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0010'
branch_labels = None
depends_on = None

_CAR_T = re.compile(
    r"\b[a-z]*car ?t\b|\bcar\d|\bcart ?\d|\bcaar ?t|chimeric (?:antigen|autoantibody) receptor"
    r"|cabtagene|\bkyv ?101\b|\bcaba ?201\b|\bct103a\b|\bytb ?323\b|\bcc 97540\b"
)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9+]+", " ", re.sub(r"['`]", "", text)).split())


def _names_car_t(title: str | None, interventions: object) -> bool:
    if isinstance(interventions, str):
        interventions = json.loads(interventions or "[]")
    texts = [title or "", *(interventions or [])]  # type: ignore[misc]
    return any(_CAR_T.search(_fold(str(t))) for t in texts)


def upgrade() -> None:
    conn = op.get_bind()
    car_t_trials = {
        nct for nct, title, interventions in conn.execute(
            sa.text("SELECT nct_id, title, interventions FROM trials"))
        if _names_car_t(title, interventions)
    }  # fmt: skip
    first_trial: dict[int, str] = {}
    for center_id, nct, edited in conn.execute(sa.text(
        "SELECT s.center_id, t.nct_id, c.edited_fields FROM trial_sites s"
        " JOIN trials t ON t.id = s.trial_id JOIN centers c ON c.id = s.center_id"
        " WHERE NOT EXISTS (SELECT 1 FROM therapy_offerings o"
        "  WHERE o.center_id = s.center_id AND o.therapy = 'car_t')"
        " ORDER BY s.center_id, t.nct_id"
    )):  # fmt: skip
        edited_fields = json.loads(edited) if isinstance(edited, str) else edited or []
        # A person's own therapy list is never changed by inference (as on import).
        if nct in car_t_trials and "therapies" not in edited_fields:
            first_trial.setdefault(center_id, nct)
    for center_id, nct in sorted(first_trial.items()):
        conn.execute(
            sa.text(
                "INSERT INTO therapy_offerings (center_id, therapy, source, source_ref)"
                " VALUES (:cid, 'car_t', 'registry', :nct)"
            ),
            {"cid": center_id, "nct": nct},
        )


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text(
        "DELETE FROM therapy_offerings WHERE therapy = 'car_t' AND (source <> 'verified'"
        " OR center_id IN (SELECT center_id FROM therapy_offerings"
        "  WHERE therapy = 'other_cell_therapy'))"
    ))  # fmt: skip
    conn.execute(sa.text(
        "UPDATE therapy_offerings SET therapy = 'other_cell_therapy' WHERE therapy = 'car_t'"
    ))
