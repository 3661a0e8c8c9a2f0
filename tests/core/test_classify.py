"""Inferring conditions, therapies, specialties and center kinds from registry free text."""

from __future__ import annotations

from pathlib import Path

import pytest

from directory_app.core.directory.vocab import CenterKind, Condition, Specialty, Therapy
from directory_app.core.registry.classify import (
    conditions_from_text,
    is_autoimmune_study,
    kind_from_facility,
    specialties_for_conditions,
    study_conditions,
    therapies_from_text,
)
from directory_app.core.registry.ctgov import iter_studies

CLASSIC = Path(__file__).resolve().parents[1] / "data" / "ctgov" / "classic-autoimmune.csv"
C = Condition
T = Therapy
S = Specialty

# --- conditions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Systemic Lupus Erythematosus", C.LUPUS),
        ("Lupus Nephritis", C.LUPUS),
        ("System; Lupus Erythematosus", C.LUPUS),
        ("SLE", C.LUPUS),
        ("Relapsing-Remitting Multiple Sclerosis", C.MULTIPLE_SCLEROSIS),
        ("Multiple Sclerosis, Chronic Progressive", C.MULTIPLE_SCLEROSIS),
        ("RheumatoId Arthritis", C.RHEUMATOID_ARTHRITIS),
        ("Sclerosis, Systemic", C.SYSTEMIC_SCLEROSIS),
        ("SYSTEMIC SCLERODERMA", C.SYSTEMIC_SCLEROSIS),
        ("Crohn Disease", C.CROHNS_DISEASE),
        ("Perianal Fistula in Patients With Crohn's Disease", C.CROHNS_DISEASE),
        ("Ulcerative Colitis (UC)", C.ULCERATIVE_COLITIS),
        ("Type 1 Diabetes Mellitus", C.TYPE_1_DIABETES),
        ("Diabetes Mellitus, Type 1", C.TYPE_1_DIABETES),
        ("Diabetes Mellitus, Insulin-Dependent", C.TYPE_1_DIABETES),
        ("Type1diabetes", C.TYPE_1_DIABETES),
        ("Juvenile Diabetes", C.TYPE_1_DIABETES),
        ("Graft -Versus-host-disease", C.GVHD),
        ("Grade B aGVHD", C.GVHD),
        ("Acute GVH Disease", C.GVHD),
        ("Graft vs Host Disease", C.GVHD),
        ("Psoriasis Vulgaris", C.PSORIASIS),
        ("Sjögren's Syndrome", C.SJOGRENS),
        ("Keratoconjunctivitis Sicca, in Sjogren's Syndrome", C.SJOGRENS),
        ("Myasthenia Gravis", C.MYASTHENIA_GRAVIS),
        ("Devic's Syndrome", C.NEUROMYELITIS_OPTICA),
        ("Neuromyelitis Optica.", C.NEUROMYELITIS_OPTICA),
        ("Chronic Inflammatory Demyelinating Polyneuropathy", C.CIDP),
        ("Spondylitis, Ankylosing", C.ANKYLOSING_SPONDYLITIS),
        ("Spondylarthritis", C.ANKYLOSING_SPONDYLITIS),
        ("Granulomatosis With Polyangiitis", C.VASCULITIS),
        ("Giant Cell Arteritis", C.VASCULITIS),
        ("Dermatomyositis", C.INFLAMMATORY_MYOPATHY),
        ("Polymyositis", C.INFLAMMATORY_MYOPATHY),
        ("Hepatitis, Autoimmune", C.AUTOIMMUNE_LIVER),
        ("Primary Biliary Cirrhosis", C.AUTOIMMUNE_LIVER),
        ("Cholangitis, Sclerosing", C.AUTOIMMUNE_LIVER),
        ("Severe Aplastic Anemia", C.APLASTIC_ANEMIA),
        ("Autoimmune Diseases", C.OTHER_AUTOIMMUNE),
        ("Pemphigoid", C.OTHER_AUTOIMMUNE),
        ("Oral Lichen Planus", C.OTHER_AUTOIMMUNE),
        ("Inflammatory Bowel Diseases", C.OTHER_AUTOIMMUNE),
        ("Mixed Connective Tissue Disease", C.OTHER_AUTOIMMUNE),
    ],
)
def test_registry_condition_spellings(text: str, expected: Condition) -> None:
    assert conditions_from_text([text]) == {expected}


@pytest.mark.parametrize(
    "text",
    [
        "Knee Osteoarthritis",
        "Osteoarthritis, Hip",
        "COVID-19",
        "ARDS, Human",
        "Acute Respiratory Distress Syndrome",
        "Ischemic Stroke",
        "Spinal Cord Injury",
        "Amyotrophic Lateral Sclerosis",
        "Multiple System Atrophy",
        "Diabetes Mellitus, Type 2",
        "Type II Diabetes Mellitus With Ulcer",
        "Non-insulin-dependent Diabetes",
        "Type I Diabetes Mellitus With Ulcer",  # a diabetic foot trial, not an autoimmune one
        "Diabetic Foot Ulcer",
        "Critical Limb Ischemia Due to Buerger's Disease",
        "Nonarteritic Ischemic Optic Neuropathy",
        "Myositis Ossificans",
        "Tuberculous Spondylitis",
        "Spondyloarthrosis, Spondylosis",
        "Cryptoglandular Perianal Fistula",
        "Atopic Dermatitis",
        "Kidney Transplant Rejection",
        "Left Ventricular Assist Device",
        "Rheumatic Diseases",  # MeSH umbrella that includes osteoarthritis
    ],
)
def test_conditions_that_are_not_autoimmune(text: str) -> None:
    assert conditions_from_text([text]) == set()


def test_several_conditions_collect_and_a_named_disease_beats_autoimmune() -> None:
    found = conditions_from_text(
        ["Autoimmune Diseases", "Demyelinating Autoimmune Diseases, CNS", "Multiple Sclerosis"]
    )
    assert found == {C.MULTIPLE_SCLEROSIS}
    assert conditions_from_text(["Lupus Nephritis", "Sjogren's Syndrome"]) == {C.LUPUS, C.SJOGRENS}
    assert conditions_from_text([]) == set()


# --- studies ---------------------------------------------------------------------------------


def test_fixture_studies_classify_as_registered() -> None:
    studies = {s.nct_id: s for s in iter_studies(CLASSIC)}
    assert {nct for nct, s in studies.items() if not is_autoimmune_study(s)} == {"NCT04447833"}
    assert study_conditions(studies["NCT00953485"]) == {C.SJOGRENS}
    assert study_conditions(studies["NCT02809781"]) == {C.ANKYLOSING_SPONDYLITIS}
    assert study_conditions(studies["NCT04723303"]) == {C.INFLAMMATORY_MYOPATHY}


def test_title_is_read_only_when_conditions_name_nothing() -> None:
    """NCT04328714 lists leukemia as its condition; its title says it prevents GVHD."""
    studies = {s.nct_id: s for s in iter_studies(CLASSIC)}
    gvhd_prophylaxis = studies["NCT04328714"]
    assert conditions_from_text(gvhd_prophylaxis.conditions) == set()
    assert study_conditions(gvhd_prophylaxis) == {C.GVHD}


# --- therapies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interventions", "title", "expected"),
    [
        (["Biological: Umbilical Cord Mesenchymal Stem Cells"], "", {T.MSC_UMBILICAL_CORD}),
        (["Biological: MSC"], "Wharton's Jelly MSC for Lupus", {T.MSC_UMBILICAL_CORD}),
        (["Drug: Umbilical Cord Lining Stem Cells"], "", {T.MSC_UMBILICAL_CORD}),
        (["Biological: hUC-MSC"], "", {T.MSC_UMBILICAL_CORD}),
        (["Procedure: SVF injection"], "", {T.MSC_ADIPOSE}),
        (["Drug: Darvadstrocel"], "", {T.MSC_ADIPOSE}),
        (["Biological: Autologous adipose-derived mesenchymal stem cells"], "", {T.MSC_ADIPOSE}),
        (["Biological: Intravenous bone marrow mesenchymal stem cells infusion"], "",
         {T.MSC_BONE_MARROW}),
        (["Drug: Remestemcel-L"], "", {T.MSC_BONE_MARROW}),
        (["Biological: Mesenchymal stem cells"], "", {T.MSC_UNSPECIFIED}),
        (["Drug: Low Dose Mesenchymal Stem Cells (MSCs)"], "", {T.MSC_UNSPECIFIED}),
        (["Procedure: Autologous hematopoietic stem cell transplantation"], "",
         {T.HSCT_AUTOLOGOUS}),
        (["Drug: Cyclophosphamide", "Drug: rATG"], "AHSCT in Relapsing Multiple Sclerosis",
         {T.HSCT_AUTOLOGOUS}),
        (["Procedure: Allogeneic bone marrow transplantation"], "", {T.HSCT_ALLOGENEIC}),
        (["Procedure: Haploidentical stem cell transplantation"], "", {T.HSCT_ALLOGENEIC}),
        (["Biological: Polyclonal regulatory T cells (Tregs)"], "", {T.OTHER_CELL_THERAPY}),
        (["Biological: CD19 CAR-T cells"], "CAR-T Cells in Refractory Lupus", {T.CAR_T}),
        (["Biological: rapcabtagene autoleucel"], "", {T.CAR_T}),
        (["Biological: MB-CART2019.1"], "", {T.CAR_T}),
        (["Drug: UCAR T-cell"], "", {T.CAR_T}),
        (["Drug: MSC exosomes"], "", {T.OTHER_CELL_THERAPY}),
        (["Biological: hUC-MSC-sEV-001 nasal drops"], "", {T.OTHER_CELL_THERAPY}),
        (["Procedure: Infusion of autologous bone marrow"], "", {T.OTHER_CELL_THERAPY}),
        (["Drug: Etanercept"], "Etanercept in Ankylosing Spondylitis", set()),
    ],
)  # fmt: skip
def test_therapies_from_interventions_and_title(
    interventions: list[str], title: str, expected: set[Therapy]
) -> None:
    assert therapies_from_text(interventions, title) == expected


def test_spinal_cord_is_not_umbilical_cord() -> None:
    assert therapies_from_text(
        ["Biological: MSC"], "Mesenchymal Stem Cells for Spinal Cord Injury"
    ) == {T.MSC_UNSPECIFIED}


def test_msc_transplantation_is_not_hematopoietic_transplantation() -> None:
    title = "Evaluation of Autologous Mesenchymal Stem Cell Transplantation in MS"
    assert therapies_from_text(["Biological: mesenchymal stem cells"], title) == {T.MSC_UNSPECIFIED}


def test_transplant_named_as_patient_history_is_not_a_therapy() -> None:
    title = (
        "MSC for Steroid-refractory GVHD After Allogeneic Hematopoietic Stem Cell Transplantation"
    )
    assert therapies_from_text([], title) == {T.MSC_UNSPECIFIED}
    assert therapies_from_text(["Biological: Autologous MSCs"], "BMT Autologous MSCs for GvHD") == {
        T.MSC_UNSPECIFIED
    }


def test_co_transplantation_names_both() -> None:
    found = therapies_from_text(
        ["Procedure: Haploidentical stem cell transplantation",
         "Procedure: Co-transplantation of mesenchymal stem cells"],
        "Haploidentical Stem Cell Transplantation in Neuroblastoma",
    )  # fmt: skip
    assert found == {T.HSCT_ALLOGENEIC, T.MSC_UNSPECIFIED}


# --- specialties -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({C.LUPUS}, {S.RHEUMATOLOGY, S.NEPHROLOGY}),
        ({C.MULTIPLE_SCLEROSIS}, {S.NEUROLOGY}),
        ({C.NEUROMYELITIS_OPTICA, C.CIDP, C.MYASTHENIA_GRAVIS}, {S.NEUROLOGY}),
        ({C.CROHNS_DISEASE, C.ULCERATIVE_COLITIS}, {S.GASTROENTEROLOGY}),
        ({C.TYPE_1_DIABETES}, {S.ENDOCRINOLOGY}),
        ({C.GVHD}, {S.HEMATOLOGY_TRANSPLANT}),
        ({C.APLASTIC_ANEMIA}, {S.HEMATOLOGY_TRANSPLANT}),
        ({C.PSORIASIS}, {S.DERMATOLOGY}),
        ({C.SYSTEMIC_SCLEROSIS}, {S.RHEUMATOLOGY, S.PULMONOLOGY, S.DERMATOLOGY}),
        ({C.AUTOIMMUNE_LIVER}, {S.HEPATOLOGY, S.GASTROENTEROLOGY}),
        ({C.OTHER_AUTOIMMUNE}, {S.IMMUNOLOGY}),
        (set(), set()),
    ],
)
def test_specialties_for_conditions(conditions: set[Condition], expected: set[Specialty]) -> None:
    assert specialties_for_conditions(conditions) == expected


def test_every_condition_has_a_specialty() -> None:
    for condition in Condition:
        assert specialties_for_conditions([condition]), condition


def test_hsct_adds_the_transplant_specialty_and_codes_are_accepted() -> None:
    assert specialties_for_conditions(["multiple_sclerosis"], [T.HSCT_AUTOLOGOUS]) == {
        S.NEUROLOGY,
        S.HEMATOLOGY_TRANSPLANT,
    }
    assert specialties_for_conditions([C.LUPUS], [T.MSC_UMBILICAL_CORD]) == {
        S.RHEUMATOLOGY,
        S.NEPHROLOGY,
    }


# --- center kinds ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facility", "expected"),
    [
        ("University of Minnesota", CenterKind.ACADEMIC_HOSPITAL),
        ("Medical College of Wisconsin", CenterKind.ACADEMIC_HOSPITAL),
        ("Washington University School of Medicine", CenterKind.ACADEMIC_HOSPITAL),
        ("Hospital das Clínicas da Faculdade de Medicina de Ribeirão Preto",
         CenterKind.ACADEMIC_HOSPITAL),
        ("CHU de Liège", CenterKind.ACADEMIC_HOSPITAL),
        ("Universitätsklinikum Freiburg", CenterKind.ACADEMIC_HOSPITAL),
        ("Armed Forces Bone Marrow Transplant Centre", CenterKind.TRANSPLANT_CENTER),
        ("Indiana BMT", CenterKind.TRANSPLANT_CENTER),
        ("Dana-Farber Cancer Institute", CenterKind.TRANSPLANT_CENTER),
        ("Fred Hutchinson Cancer Research Center", CenterKind.TRANSPLANT_CENTER),
        ("Rocky Mountain MS Clinic", CenterKind.AUTOIMMUNE_CLINIC),
        ("Arthritis and Rheumatology Clinic of Kansas", CenterKind.AUTOIMMUNE_CLINIC),
        ("Mayo Clinic", None),
        ("Cleveland Clinic", None),
        ("Memorial Hermann Hospital", None),
        ("Royan Institute", None),
        ("Shepherd Center", None),
        ("Osiris Clinical Site", None),
    ],
)  # fmt: skip
def test_kind_from_facility_never_guesses(facility: str, expected: CenterKind | None) -> None:
    assert kind_from_facility(facility) == expected
