"""CAR-T as a therapy of its own (classifier, migration 0009, search and export), HSCT named
without "autologous" for an autoimmune disease, and GVHD kept apart from "autoimmune"."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from directory_app.cli import main
from directory_app.core.directory.models import (
    Center,
    ConditionTreated,
    TherapyOffering,
    Trial,
    TrialSite,
)
from directory_app.core.directory.vocab import (
    AUTOIMMUNE_CONDITIONS,
    Condition,
    Therapy,
    expand_condition_codes,
)
from directory_app.core.registry.classify import conditions_of, therapies_from_text
from directory_app.core.storage.engine import alembic_config, make_engine
from directory_app.core.storage.migrations import migrate

C, T = Condition, Therapy
#: The revision before 0009 (its `down_revision`).
PREVIOUS = "0010"


@pytest.mark.parametrize(
    "interventions, title, conditions, expected",
    [
        # NCT00273364: "Hematopoietic Stem Cell Therapy", no word for the donor, for MS.
        (["Procedure: Hematopoietic Stem Cell Therapy", "Drug: Standard treatment"],
         "Stem Cell Therapy for Patients With Multiple Sclerosis", {C.MULTIPLE_SCLEROSIS},
         {T.HSCT_AUTOLOGOUS}),
        # The same words for GVHD name a donor transplant, and without conditions nothing.
        (["Procedure: Hematopoietic Stem Cell Therapy"], "", {C.GVHD}, {T.HSCT_ALLOGENEIC}),
        (["Procedure: Hematopoietic Stem Cell Therapy"], "", set(), set()),
        # Conditioning with "autologous stem cells" is HSCT (NCT03342638).
        (["Drug: Cyclophosphamide", "Drug: rATG", "Biological: Autologous Stem Cells"],
         "Maximizing Outcome of Multiple Sclerosis Transplantation", {C.MULTIPLE_SCLEROSIS},
         {T.HSCT_AUTOLOGOUS}),
        # ... but autologous stem cells without conditioning are not.
        (["Biological: Autologous Stem Cells"], "", {C.MULTIPLE_SCLEROSIS}, set()),
        (["Biological: Orca-Q", "Drug: myeloablative regimen"],
         "Allogeneic Hematopoietic Cell Transplantation for Primary Progressive MS",
         {C.MULTIPLE_SCLEROSIS}, {T.HSCT_ALLOGENEIC}),
        (["Biological: KYV-101", "Drug: Fludarabine", "Drug: Cyclophosphamide"], "KYSA-8",
         {C.MULTIPLE_SCLEROSIS}, {T.CAR_T}),
        (["Biological: P-CD19CD20-ALLO1 Cells", "Drug: Fludarabine"], "", set(), {T.CAR_T}),
        # CAR-T named as the patients' history is not given by the study.
        (["Drug: Tocilizumab"], "Tocilizumab for Cytokine Release After CAR-T Cells", set(),
         set()),
        (["Other: allogeneic fecal microbiota"],
         "Fecal Microbiota Transplantation After Autologous HSCT in Multiple Sclerosis",
         {C.MULTIPLE_SCLEROSIS}, set()),
        (["Biological: MSC-Derived Exosomes"], "", set(), {T.OTHER_CELL_THERAPY}),
    ],
)  # fmt: skip
def test_therapies_with_the_study_conditions(interventions, title, conditions, expected):
    assert therapies_from_text(interventions, title, conditions) == expected


def test_a_generic_autoimmune_heading_gives_way_to_the_disease_in_the_title():
    generic = ["Autoimmune Diseases", "Demyelinating Diseases"]
    assert conditions_of(generic, "MSC in Secondary Progressive Multiple Sclerosis") == {
        C.MULTIPLE_SCLEROSIS}
    assert conditions_of(generic, "Stem cells for hard cases") == {C.OTHER_AUTOIMMUNE}
    assert conditions_of(["Crohn Disease"], "... Multiple Sclerosis") == {C.CROHNS_DISEASE}


def test_autoimmune_means_every_condition_but_gvhd():
    assert "gvhd" not in AUTOIMMUNE_CONDITIONS
    assert AUTOIMMUNE_CONDITIONS | {"gvhd"} == set(Condition.codes())
    assert expand_condition_codes(["autoimmune"]) == AUTOIMMUNE_CONDITIONS
    assert expand_condition_codes(["Autoimmune", "gvhd"]) == set(Condition.codes())
    assert expand_condition_codes(["lupus"]) == {"lupus"}


@pytest.fixture
def directory(empty_store: Any) -> Any:
    """Three centers with verified facts, and one that only takes part in a CAR-T trial."""
    with empty_store.session() as s:
        for name, therapy, condition in (("Lupus CAR-T Unit", "car_t", "lupus"),
                                         ("GVHD Clinic", "msc_bone_marrow", "gvhd"),
                                         ("MS Transplant Unit", "hsct_autologous",
                                          "multiple_sclerosis")):  # fmt: skip
            s.add(Center(
                name=name, city="Boston", country="United States",
                therapies=[TherapyOffering(therapy=therapy, source="verified")],
                conditions=[ConditionTreated(condition=condition, source="verified")],
            ))  # fmt: skip
        trial = Trial(nct_id="NCT06138132", title="Anti-CD19 CAR-T in Multiple Sclerosis",
                      status="recruiting", conditions=["Multiple Sclerosis"],
                      interventions=["Biological: KYV-101"])  # fmt: skip
        s.add(Center(
            name="Registry Trial Site", city="Boston", country="United States",
            source="registry",
            therapies=[TherapyOffering(therapy="car_t", source="registry",
                                       source_ref="NCT06138132")],
            conditions=[ConditionTreated(condition="multiple_sclerosis", source="registry",
                                         source_ref="NCT06138132")],
            trial_sites=[TrialSite(trial=trial, facility="Registry Trial Site")],
        ))  # fmt: skip
    return empty_store


def _names(store: Any, capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    assert main(["--db", store.url, "search", "--json", *args]) == 0
    return sorted(r["name"] for r in json.loads(capsys.readouterr().out)["centers"])


def test_search_by_car_t_and_by_autoimmune_leaves_gvhd_out_unless_asked(directory, capsys):
    car_t = ["Lupus CAR-T Unit", "Registry Trial Site"]
    assert _names(directory, capsys, "--therapy", "car_t") == car_t
    assert _names(directory, capsys, "--therapy", "CAR-T") == car_t
    assert _names(directory, capsys, "--therapy", "other_cell_therapy") == []
    autoimmune = ["Lupus CAR-T Unit", "MS Transplant Unit", "Registry Trial Site"]
    assert _names(directory, capsys, "--condition", "autoimmune") == autoimmune
    assert _names(directory, capsys, "--condition", "autoimmune", "--condition", "gvhd") == [
        "GVHD Clinic", *autoimmune]


def test_car_t_goes_out_in_an_export_and_back_in(directory, tmp_path, capsys):
    out = tmp_path / "dir.json"
    assert main(["--db", directory.url, "export", "--format", "json", str(out)]) == 0
    csv_out = tmp_path / "dir.csv"
    assert main(["--db", directory.url, "export", "--format", "csv", str(csv_out)]) == 0
    assert ",car_t," in csv_out.read_text(encoding="utf-8")
    data = json.loads(out.read_text(encoding="utf-8"))
    therapies = {t["therapy"] for c in data["centers"] for t in c["therapies"]}
    assert "car_t" in therapies
    fresh = tmp_path / "fresh.db"
    assert main(["--db", f"sqlite:///{fresh}", "import", str(out)]) == 0
    capsys.readouterr()
    assert _names_in(f"sqlite:///{fresh}", capsys) == ["Lupus CAR-T Unit", "Registry Trial Site"]


def _names_in(url: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["--db", url, "search", "--json", "--therapy", "car_t"]) == 0
    return sorted(r["name"] for r in json.loads(capsys.readouterr().out)["centers"])


def _insert_old_directory(conn: Any) -> None:
    """A database before revision 0009: CAR-T was 'other cell therapy'."""
    now = "'2025-03-14 00:00:00'"
    for cid, name, edited in ((1, "CAR-T Center", "[]"), (2, "Edited Center", '["therapies"]'),
                              (3, "Treg Center", "[]")):  # fmt: skip
        conn.execute(text(
            "INSERT INTO centers (id, uid, name, source, edited_fields, version, created_at,"
            f" updated_at) VALUES ({cid}, 'u{cid}', '{name}', 'registry', '{edited}', 1, {now},"
            f" {now})"))  # fmt: skip
    trials = ((1, "NCT06138132", "Anti-CD19 CAR-T in MS", '["Biological: KYV-101"]'),
              (2, "NCT06671236", "Tregs in ALS", '["Biological: Regulatory T cells"]'))
    for tid, nct, title, interventions in trials:
        conn.execute(text(
            "INSERT INTO trials (id, nct_id, title, status, phases, conditions, interventions)"
            " VALUES (:id, :nct, :title, 'recruiting', '[]', '[]', :iv)"),
            {"id": tid, "nct": nct, "title": title, "iv": interventions})  # fmt: skip
    for cid, tid in ((1, 1), (2, 1), (3, 2)):
        conn.execute(text(
            f"INSERT INTO trial_sites (trial_id, center_id, facility) VALUES ({tid}, {cid}, 'x')"))
        conn.execute(text(
            "INSERT INTO therapy_offerings (center_id, therapy, source, source_ref) VALUES"
            f" ({cid}, 'other_cell_therapy', 'registry', 'NCT0')"))  # fmt: skip


def _therapies(engine: Any) -> set[tuple[int, str, str | None]]:
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(text(
            "SELECT center_id, therapy, source_ref FROM therapy_offerings"))}  # fmt: skip


def test_migration_0009_gives_car_t_trial_sites_car_t_and_goes_back(
    db_engine: str, tmp_path, request: pytest.FixtureRequest
):
    from alembic import command

    if db_engine == "postgresql":
        server = request.getfixturevalue("pg_server")
        server.execute("CREATE DATABASE migration_0009")
        url = server.url("migration_0009")
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    before = {(1, "other_cell_therapy", "NCT0"), (2, "other_cell_therapy", "NCT0"),
              (3, "other_cell_therapy", "NCT0")}  # fmt: skip
    try:
        migrate(engine, PREVIOUS)
        with engine.begin() as conn:
            _insert_old_directory(conn)
        migrate(engine, "0009")
        # Only the CAR-T trial's site gets it; the center a person edited keeps its list.
        assert _therapies(engine) == before | {(1, "car_t", "NCT06138132")}
        command.downgrade(alembic_config(engine), PREVIOUS)
        assert _therapies(engine) == before
    finally:
        engine.dispose()
        if db_engine == "postgresql":
            request.getfixturevalue("pg_server").drop_database("migration_0009")
