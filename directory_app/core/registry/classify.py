"""Infer directory facts from registry free text: conditions, therapies, specialties, kinds.

Registry fields are typed by thousands of different investigators, so this is keyword work. It
is deliberately conservative: a wrong "treats lupus" or "transplant center" would send a patient
to the wrong place, whereas a missed inference only leaves a field for a person to fill in.
Every function is pure (text in, vocabulary codes out) so each rule can be pinned by a test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from directory_app.core.directory.vocab import CenterKind, Condition, Specialty, Therapy
from directory_app.core.registry.names import fold

if TYPE_CHECKING:  # the registry readers are a search's largest import, and it needs none
    from directory_app.core.registry.ctgov import StudyRecord


def _fold(text: str) -> str:
    """Lower case, no accents or apostrophes, single spaces: the text every rule reads."""
    text = re.sub(r"['’`´]", "", fold(text))
    return " ".join(re.sub(r"[^a-z0-9+]+", " ", text).split())


# Patterns run on folded text (see `_fold`). Order does not matter; all matches are kept.
_CONDITION_RULES: list[tuple[Condition, str]] = [
    (Condition.LUPUS, r"\blupus\b|\bsle\b"),
    (Condition.MULTIPLE_SCLEROSIS, r"multiple sclerosis|sclerosis multiple|\b(?:rr|sp|pp)ms\b"),
    (Condition.RHEUMATOID_ARTHRITIS, r"rheumatoid"),
    (Condition.SYSTEMIC_SCLEROSIS,
     r"systemic sclerosis|sclerosis systemic|(?<!localized )(?<!linear )scleroderma|\bssc\b"),
    (Condition.CROHNS_DISEASE, r"\bcrohn"),
    (Condition.ULCERATIVE_COLITIS, r"ulcerative colitis|colitis ulcerative"),
    (Condition.TYPE_1_DIABETES,
     r"(?<!non )(?:type ?(?:1|i|one) (?:diabetes|dm\b)|diabetes mellitus type ?(?:1|i)\b"
     r"|type1 ?diabetes|insulin dependent diabet|diabetes mellitus insulin dependent"
     r"|juvenile diabetes|\bt1dm?\b|latent autoimmune diabetes|\blada\b)"),
    (Condition.GVHD, r"graft (?:versus|vs|v) host|\b[ac]?gvhd?\b"),
    (Condition.PSORIASIS, r"psoria"),
    (Condition.SJOGRENS, r"sjogren|sjoegren"),
    (Condition.MYASTHENIA_GRAVIS, r"myasthenia"),
    (Condition.NEUROMYELITIS_OPTICA, r"neuromyelitis|\bdevics?\b|\bnmo(?:sd)?\b"),
    (Condition.CIDP,
     r"chronic inflammatory demyelinating poly(?:radiculo)?neuropath|\bcidp\b"),
    (Condition.ANKYLOSING_SPONDYLITIS,
     r"ankylosing|spondylo?arthrit|spondylo?arthropath|(?<!tuberculous )\bspondylitis\b"),
    (Condition.VASCULITIS,
     r"vasculitis|(?<!non )arteritis|polyangiitis|polyarteritis|wegener|takayasu|behcet"
     r"|kawasaki|\banca\b"),
    (Condition.INFLAMMATORY_MYOPATHY,
     r"dermatomyositis|polymyositis|myositis(?! ossificans)|inflammatory myopath"
     r"|necrotizing (?:autoimmune )?myopath|\bimnm\b"
     r"|antisynthetase"),
    (Condition.AUTOIMMUNE_LIVER,
     r"autoimmune hepatitis|hepatitis autoimmune|primary biliary (?:cirrhosis|cholangitis)"
     r"|\bpbc\b|sclerosing cholangitis|cholangitis sclerosing"),
    (Condition.APLASTIC_ANEMIA, r"aplastic anaemia|aplastic anemia|anemia aplastic"),
    (Condition.OTHER_AUTOIMMUNE,
     r"auto ?immun|immune mediated|immune system disease|pemphig|lichen planus|vitiligo"
     r"|alopecia areata|sarcoidosis|non ?infectious uveitis|autoimmune uveitis|stills disease"
     r"|juvenile idiopathic arthritis|connective tissue disease|antiphospholipid"
     r"|immune thrombocytop|autoimmune hemolytic|celiac|coeliac|igg4|stiff person"
     r"|inflammatory bowel disease|\bibd\b|polymyalgia rheumatica"
     r"|relapsing polychondritis|morphea|localized scleroderma|linear scleroderma"
     r"|guillain barre|hidradenitis"),
]  # fmt: skip
_COMPILED_CONDITIONS = [(c, re.compile(p)) for c, p in _CONDITION_RULES]

# A diabetes complication trial ("Type I Diabetes Mellitus With Ulcer") treats the complication,
# not the autoimmune disease.
_DIABETES_COMPLICATION = re.compile(
    r"ulcer|foot|wound|nephropath|neuropath|retinopath|erectile|kidney|limb|ischemi"
)


def conditions_from_text(conditions: Iterable[str]) -> set[Condition]:
    """Autoimmune / immune-mediated conditions named in registry condition strings.

    Osteoarthritis, COVID-19, ARDS, stroke, spinal cord injury, ALS ("lateral sclerosis") and
    multiple system atrophy name no condition here; GVHD and psoriasis count as immune-mediated.
    """
    found: set[Condition] = set()
    for raw in conditions:
        text = _fold(raw)
        for condition, pattern in _COMPILED_CONDITIONS:
            if pattern.search(text):
                if condition is Condition.TYPE_1_DIABETES and _DIABETES_COMPLICATION.search(text):
                    continue
                found.add(condition)
    # "Autoimmune" said alongside a named disease adds nothing.
    if len(found) > 1:
        found.discard(Condition.OTHER_AUTOIMMUNE)
    return found


def conditions_of(conditions: Iterable[str], title: str) -> set[Condition]:
    """Conditions of a study from its condition list, falling back to its title.

    The title is read only when the condition list names none, or names only "autoimmune
    diseases" in general, because conditions are the registry's structured field and titles
    mention context ("... after transplantation"); a title naming the disease is more precise
    than the generic heading "Autoimmune Diseases" many records list.
    """
    found = conditions_from_text(conditions)
    if found <= {Condition.OTHER_AUTOIMMUNE}:
        found = conditions_from_text([title]) or found
    return found


def study_conditions(study: StudyRecord) -> set[Condition]:
    """Conditions of a study (`conditions_of` its condition list and title)."""
    return conditions_of(study.conditions, study.title)


def study_therapies(study: StudyRecord) -> set[Therapy]:
    """Cell therapies a study gives (`therapies_from_text` with the study's conditions)."""
    return therapies_from_text(study.interventions, study.title, study_conditions(study))


def is_autoimmune_study(study: StudyRecord) -> bool:
    """Whether the study targets an autoimmune or immune-mediated condition."""
    return bool(study_conditions(study))


_MSC = re.compile(
    r"mesenchymal|stromal cell|stromal stem|cord lining|cord tissue|wharton|\bm?mscs?\b"
    r"|\b(?:uc|ad|bm|wj|hu?c|hucb|hbm|hp|h) ?mscs?\b|adipose (?:derived )?(?:\w+ )?stem cell"
    r"|remestemcel|prochymal|ryoncil|rexlemestrocel"
    r"|darvadstrocel|alofisel|\bcx601\b|stempeucel|obnitix|cartistem|astrostem|jointstem"
    r"|neuronata|\bmpcs?\b|mesenchymal precursor|\badscs?\b|\basc\b|stromal vascular fraction"
    r"|\bsvf\b|furestem|lipogems|micro ?fragmented adipose|dental pulp"
    r"|exfoliated (?:deciduous )?teeth"
)
_MSC_SOURCES: list[tuple[Therapy, re.Pattern[str]]] = [
    (Therapy.MSC_UMBILICAL_CORD,
     re.compile(r"umbilical|wharton|\bcord (?:blood|derived|tissue|lining|mesenchymal|stem|msc)"
                r"|\b(?:hu?c|uc|wj|hucb)\s?mscs?\b|cartistem|furestem")),
    (Therapy.MSC_ADIPOSE,
     re.compile(r"adipose|\bfat\b|lipoaspirat|\badscs?\b|\basc\b|\bad ?mscs?\b|stromal vascular"
                r"|\bsvf\b|darvadstrocel|alofisel|\bcx601\b|astrostem|jointstem|lipogems")),
    (Therapy.MSC_BONE_MARROW,
     re.compile(r"marrow (?:derived|mesenchymal|stromal|mscs?\b)|from (?:\w+ ){0,2}bone marrow"
                r"|(?:mesenchymal|stromal) (?:\w+ )?bone marrow|marrow \w+ (?:mesenchymal|stromal)"
                r"|\bbm ?mscs?\b|\bbmscs?\b|\bhbm ?mscs?\b|remestemcel|prochymal|ryoncil"
                r"|rexlemestrocel|stempeucel|obnitix|neuronata|\bmpcs?\b|mesenchymal precursor")),
]  # fmt: skip
#: How far (in characters) from an MSC mention in a title its source may be named.
_SOURCE_WINDOW = 60
_HSCT = re.compile(
    r"(?:haematopoietic|hematopoietic|hemopoietic|haemopoietic|hematopoetic)"
    r" (?:(?:stem|progenitor) )?cells? (?:transplant|infusion|graft|rescue|therap|support)"
    r"|(?:haematopoietic|hematopoietic|hemopoietic|haemopoietic|hematopoetic) (?:stem|progenitor)"
    r"|\ba?hsct\b|\bhct\b|bone marrow transplant|\bbmt\b|stem cell rescue"
    r"|peripheral blood stem cell|\bpbsc|\bcd34\+? (?:selected|enriched|selection)"
    r"|haploidentical (?:stem cell )?transplant|cord blood (?:\w+ ){0,2}(?:stem cell )?transplant"
    r"|(?:autologous|allogene?ic|syngeneic) (?:peripheral blood )?stem cell transplant"
)
_AUTO = re.compile(r"\bautologous\b|\bauto\b|\bahsct\b")
_ALLO = re.compile(
    r"\ballogene?ic\b|\ballo\b|haploidentical|\bhaplo\b|unrelated donor|sibling"
    r"|cord blood"
)
# "Mesenchymal stem cell transplantation" is an MSC infusion, not a hematopoietic transplant;
# "in vitro-treated bone marrow transplantation" is the NCI term for a marrow-grown product.
_MSC_BEFORE = re.compile(
    r"(?:mesenchymal|stromal|mscs?|neural|fecal|microbiota|in vitro treated)(?: \w+){0,2} $"
)
# HSCT named as context in a title: "MSC for GVHD after allogeneic HSCT".
_CONTEXT_BEFORE = re.compile(
    r"(?:after|following|post|undergoing|underwent|recipients? of|received|receiving|prior)"
    r"(?: \w+){0,3} $"
)
# "Stem cell transplant", "autologous transplantation" or "autologous stem cells" given with
# high-dose conditioning is HSCT (and "Autologous transplantation" of MSC without it is not):
# nothing else is given after cyclophosphamide with ATG, BEAM or total body irradiation.
_BARE_TRANSPLANT = re.compile(
    r"\bstem cell transplant|\bautologous stem cells?\b|\bstem cell (?:therapy|support)\b"
    r"|cord blood infusion|(?:autologous|allogene?ic) transplant"
)
_CONDITIONING = re.compile(
    r"high dose (?:chemo|immuno|cyclophosphamide)|immuno ?ablat|myeloablat|\bbeam\b"
    r"|\batg\b|\bratg\b|thymocyte globulin|thymoglobulin|total body irradiation|carmustine"
    r"|melphalan|busulf"
)
# CAR-T and other receptor-engineered T cells, by description or by product name; product
# names are the ones registered for autoimmune disease (the INN stem -cabtagene names a CAR).
_CAR_T = re.compile(
    r"\b[a-z]*car ?t\b|\bcar\d|\bcart ?\d|\bcaar ?t"
    r"|chimeric (?:antigen|autoantibody) receptor|cabtagene|\bcar (?:nk|treg)"
    r"|\bkyv ?101\b|\bcaba ?201\b|\bct103a\b|\bytb ?323\b|\bcc 97540\b|\bobe cel\b"
    r"|\bazer cel\b|descartes 08|\bcd19 ?cd20 allo|\b(?:cd19|bcma)(?: \w+){0,2} car\b"
)
_OTHER_CELLS = re.compile(
    r"\btregs?\b|regulatory t|exosome|extracellular vesicle|\bsevs?\b|\bevs\b|secretome"
    r"|conditioned medi|\bnk cell|natural killer|dendritic cell|\btoldc|tolerogenic"
    r"|virus specific t|ebv specific|cytotoxic t lymphocyte|\bctls?\b|t cell vaccin|\btcv\b"
    r"|tovaxin|tcelna|imilecleucel|\bcd4\+? ?t cells|\bata188\b"
    r"|stem cell educator|islet (?:cell )?(?:transplant|infusion|graft)|transplantation of islet"
    r"|induced pluripotent|\bipsc|exoflo|neural stem"
    r"|amniotic fluid|\bcd117\b|hepatocyte microbead|\bneuronal (?:adult )?stem|progenitor stem"
    r"|embryonic stem|mononuclear (?:stem )?cell|\bbm ?mncs?\b|\bmnc\b|\bbmac\b"
    r"|bone marrow aspirate concentrate|\bcd34\+? cells?\b|bone marrow (?:derived )?stem cell"
    r"|\bbmscs?\b(?! ?msc)"
    r"|(?:infusion|injection) of (?:autologous )?(?:whole )?(?:bone )?marrow(?! derived| mesench)"
    r"|bone marrow cells|marrow derived cellular|cellular therapy with"
)


def therapies_from_text(
    interventions: Iterable[str], title: str = "", conditions: Iterable[Condition] = ()
) -> set[Therapy]:
    """Cell therapies a study gives, from its interventions and title.

    MSC source comes from either text ("umbilical cord MSC" in the title, "Biological: MSC"
    as the intervention). HSCT counts from the interventions, and from the title only when
    not named as the patients' history ("... after allogeneic HSCT"). `conditions` (the
    study's, from `study_conditions`) decide an HSCT that says neither autologous nor
    allogeneic: for GVHD or aplastic anemia it is a donor transplant, for any other autoimmune
    disease it is autologous, the standard form (every allogeneic study for one says so).
    Without conditions such an HSCT stays unclassified.
    """
    items = [_fold(i) for i in interventions]
    folded_title = _fold(title)
    found = _msc_therapies(items, folded_title)
    found |= _hsct_therapies(items, folded_title, frozenset(conditions))
    if any(_CAR_T.search(t) for t in items) or _names(_CAR_T, folded_title, skip_context=True):
        found.add(Therapy.CAR_T)
    # A title is read for other cell products only when the interventions name none: "Bone
    # Marrow Derived Stem Cells for SCI" with "Biological: bone marrow MSC" is an MSC study.
    other_texts = items if _items_name_cells(items) else [*items, folded_title]
    if any(_OTHER_CELLS.search(t) for t in other_texts):
        found.add(Therapy.OTHER_CELL_THERAPY)
    return found


# MSC named as what a product is made from or grown on, not as the cells given: "MSC-derived
# exosomes", "hUC-MSC-sEV", "mesenchymal cell secretome", "cord blood expansion on MSC".
_MSC_NOT_GIVEN_AFTER = re.compile(
    r"^(?:\w+ ){0,3}?(?:derived )?(?:exosome|sevs?\b|evs?\b|extracellular vesicle|secretome"
    r"|conditioned medi|lysate)"
)
_MSC_NOT_GIVEN_BEFORE = re.compile(r"(?:expan\w*|cultured?|co ?cultured?) (?:\w+ ){0,2}on $")


def _msc_mentions(text: str) -> list[re.Match[str]]:
    """The MSC mentions of `text` that name cells the study gives."""
    found = []
    for match in _MSC.finditer(text):
        after = text[match.end() :].lstrip()
        if _MSC_NOT_GIVEN_AFTER.search(after[:40]):
            continue
        if _MSC_NOT_GIVEN_BEFORE.search(text[: match.start()]):
            continue
        found.append(match)
    return found


def _msc_therapies(items: list[str], title: str) -> set[Therapy]:
    texts = [t for t in items if _msc_mentions(t)]
    texts += [
        title[max(0, m.start() - _SOURCE_WINDOW) : m.end() + _SOURCE_WINDOW]
        for m in _msc_mentions(title)
    ]
    if not texts:
        return set()
    sources = {th for th, pattern in _MSC_SOURCES for t in texts if pattern.search(t)}
    return sources or {Therapy.MSC_UNSPECIFIED}


def _items_name_cells(items: list[str]) -> bool:
    """Whether an intervention names a cell product other than HSCT (MSC, CAR-T, others)."""
    return any(_MSC.search(t) or _OTHER_CELLS.search(t) or _CAR_T.search(t) for t in items)


#: Conditions whose HSCT is allogeneic when the study does not say: GVHD follows a donor
#: transplant, and aplastic anemia is treated with donor marrow.
_DONOR_HSCT_CONDITIONS = frozenset({Condition.GVHD, Condition.APLASTIC_ANEMIA})


def _hsct_therapies(
    items: list[str], title: str, conditions: frozenset[Condition]
) -> set[Therapy]:
    texts = [t for t in items if _names(_HSCT, t)]
    # A title is read for HSCT only when the interventions name no cell product of their own:
    # "BMT Autologous MSCs for GvHD" is an MSC study run by a transplant unit.
    if not _items_name_cells(items) and _names(_HSCT, title, skip_context=True):
        texts.append(title)
    if not texts and any(_CONDITIONING.search(t) for t in [*items, title]):
        texts = [t for t in [*items, title] if _BARE_TRANSPLANT.search(t) and not _MSC.search(t)]
    found: set[Therapy] = set()
    for text in texts:
        if _AUTO.search(text):
            found.add(Therapy.HSCT_AUTOLOGOUS)
        if _ALLO.search(text):
            found.add(Therapy.HSCT_ALLOGENEIC)
    if texts and not found and conditions:
        donor = bool(conditions & _DONOR_HSCT_CONDITIONS)
        found.add(Therapy.HSCT_ALLOGENEIC if donor else Therapy.HSCT_AUTOLOGOUS)
    return found


def _names(pattern: re.Pattern[str], text: str, *, skip_context: bool = False) -> bool:
    """Whether `text` names `pattern`'s therapy as something the study gives."""
    for match in pattern.finditer(text):
        before = text[: match.start()]
        if _MSC_BEFORE.search(before):
            continue
        if skip_context and _CONTEXT_BEFORE.search(before):
            continue
        return True
    return False


_SPECIALTIES: dict[Condition, frozenset[Specialty]] = {
    Condition.LUPUS: frozenset({Specialty.RHEUMATOLOGY, Specialty.NEPHROLOGY}),
    Condition.MULTIPLE_SCLEROSIS: frozenset({Specialty.NEUROLOGY}),
    Condition.RHEUMATOID_ARTHRITIS: frozenset({Specialty.RHEUMATOLOGY}),
    Condition.SYSTEMIC_SCLEROSIS: frozenset(
        {Specialty.RHEUMATOLOGY, Specialty.PULMONOLOGY, Specialty.DERMATOLOGY}
    ),
    Condition.CROHNS_DISEASE: frozenset({Specialty.GASTROENTEROLOGY}),
    Condition.ULCERATIVE_COLITIS: frozenset({Specialty.GASTROENTEROLOGY}),
    Condition.TYPE_1_DIABETES: frozenset({Specialty.ENDOCRINOLOGY}),
    Condition.GVHD: frozenset({Specialty.HEMATOLOGY_TRANSPLANT}),
    Condition.PSORIASIS: frozenset({Specialty.DERMATOLOGY}),
    Condition.SJOGRENS: frozenset({Specialty.RHEUMATOLOGY}),
    Condition.MYASTHENIA_GRAVIS: frozenset({Specialty.NEUROLOGY}),
    Condition.NEUROMYELITIS_OPTICA: frozenset({Specialty.NEUROLOGY}),
    Condition.CIDP: frozenset({Specialty.NEUROLOGY}),
    Condition.ANKYLOSING_SPONDYLITIS: frozenset({Specialty.RHEUMATOLOGY}),
    Condition.VASCULITIS: frozenset({Specialty.RHEUMATOLOGY}),
    Condition.INFLAMMATORY_MYOPATHY: frozenset({Specialty.RHEUMATOLOGY, Specialty.NEUROLOGY}),
    Condition.AUTOIMMUNE_LIVER: frozenset({Specialty.HEPATOLOGY, Specialty.GASTROENTEROLOGY}),
    Condition.APLASTIC_ANEMIA: frozenset({Specialty.HEMATOLOGY_TRANSPLANT}),
    Condition.OTHER_AUTOIMMUNE: frozenset({Specialty.IMMUNOLOGY}),
}
_HSCT_THERAPIES = frozenset({Therapy.HSCT_AUTOLOGOUS, Therapy.HSCT_ALLOGENEIC})


def specialties_for_conditions(
    conditions: Iterable[Condition], therapies: Iterable[Therapy] = ()
) -> set[Specialty]:
    """Specialties a center needs to treat these conditions (and give HSCT, if listed)."""
    found: set[Specialty] = set()
    for condition in conditions:
        found |= _SPECIALTIES[Condition(condition)]
    if _HSCT_THERAPIES & {Therapy(t) for t in therapies}:
        found.add(Specialty.HEMATOLOGY_TRANSPLANT)
    return found


_TRANSPLANT = re.compile(r"transplant|\bbmt\b|marrow")
_ACADEMIC = re.compile(
    r"universi|college|academic|medical school|school of medicine|faculty|facultad|faculdade"
    r"|fakultat|facolta|faculte"
    r"|\bchu\b|\bchru\b|hospitalo universitaire|klinikum der|uniklinik|teaching hospital"
    r"|\bumc\b|universitair|medizinische hochschule"
)
_CANCER_CENTER = re.compile(
    r"cancer (?:research )?(?:center|centre|institute)|comprehensive cancer"
)
_AUTOIMMUNE_FOCUS = re.compile(
    r"rheumat|reumat|autoimmun|lupus|arthritis|multiple sclerosis|\bms\b (?:center|clinic)"
    r"|immunolog"
)
_CLINIC = re.compile(r"clinic|center|centre|associates|practice|institute")


def kind_from_facility(name: str) -> CenterKind | None:
    """What kind of center a facility name says it is, or None when the name does not say.

    An explicit transplant/BMT unit wins, then a university or medical school, then a cancer
    center (these run the transplant programs), then a clinic named for rheumatology or
    autoimmune disease. "Mayo Clinic" or "Memorial Hospital" say nothing: None, never a guess.
    """
    text = _fold(name)
    if _TRANSPLANT.search(text):
        return CenterKind.TRANSPLANT_CENTER
    if _ACADEMIC.search(text):
        return CenterKind.ACADEMIC_HOSPITAL
    if _CANCER_CENTER.search(text):
        return CenterKind.TRANSPLANT_CENTER
    if _AUTOIMMUNE_FOCUS.search(text) and _CLINIC.search(text):
        return CenterKind.AUTOIMMUNE_CLINIC
    return None
