"""Controlled vocabularies. Values are stored as their string codes, so the database stays readable
and the CLI can accept the same words the user sees (`--therapy hsct_autologous`)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Vocab(StrEnum):
    """A StrEnum whose members carry a human label (the second tuple item)."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Vocab:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value.replace("_", " ").capitalize()
        return obj

    @classmethod
    def codes(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def label_of(cls, code: str | None, unknown: str = "unknown") -> str:
        """The label a person reads for a stored code: `unknown` when there is none, and the
        code itself when it is not (or no longer) in the vocabulary, so nothing is hidden."""
        if not code:
            return unknown
        try:
            return cls(code).label
        except ValueError:
            return str(code)

    @classmethod
    def parse(cls, text: str) -> Vocab:
        """Accept a code or a label, case-insensitively; raise ValueError listing accepted codes."""
        wanted = text.strip().lower().replace("-", "_").replace(" ", "_")
        for member in cls:
            if wanted in (member.value, member.label.lower().replace(" ", "_")):
                return member
        raise ValueError(
            f"unknown {cls.__name__} {text!r}; accepted: {', '.join(cls.codes())}"
        )


class CenterKind(Vocab):
    ACADEMIC_HOSPITAL = "academic_hospital", "Academic hospital"
    TRANSPLANT_CENTER = "transplant_center", "Transplant center"
    AUTOIMMUNE_CLINIC = "autoimmune_clinic", "Autoimmune clinic"
    #: A certified hospital whose records say nothing more specific (CMS hospital type).
    HOSPITAL = "hospital", "Hospital"


class Therapy(Vocab):
    MSC_BONE_MARROW = "msc_bone_marrow", "MSC (bone marrow)"
    MSC_ADIPOSE = "msc_adipose", "MSC (adipose)"
    MSC_UMBILICAL_CORD = "msc_umbilical_cord", "MSC (umbilical cord)"
    MSC_UNSPECIFIED = "msc_unspecified", "MSC (other or unstated source)"
    HSCT_AUTOLOGOUS = "hsct_autologous", "HSCT (autologous)"
    HSCT_ALLOGENEIC = "hsct_allogeneic", "HSCT (allogeneic)"
    #: CAR-T and other T cells engineered with a receptor (CAAR-T, TCR-T), autologous or
    #: donor-made ("universal"); added by migration 0009.
    CAR_T = "car_t", "CAR-T (engineered T cells)"
    OTHER_CELL_THERAPY = "other_cell_therapy", "Other cell therapy"


class Delivery(Vocab):
    INTRAVENOUS = "intravenous", "Intravenous"
    TARGETED = "targeted", "Targeted (local injection)"


class Condition(Vocab):
    LUPUS = "lupus", "Systemic lupus erythematosus"
    MULTIPLE_SCLEROSIS = "multiple_sclerosis", "Multiple sclerosis"
    RHEUMATOID_ARTHRITIS = "rheumatoid_arthritis", "Rheumatoid arthritis"
    SYSTEMIC_SCLEROSIS = "systemic_sclerosis", "Systemic sclerosis"
    CROHNS_DISEASE = "crohns_disease", "Crohn's disease"
    ULCERATIVE_COLITIS = "ulcerative_colitis", "Ulcerative colitis"
    TYPE_1_DIABETES = "type_1_diabetes", "Type 1 diabetes"
    GVHD = "gvhd", "Graft-versus-host disease"
    PSORIASIS = "psoriasis", "Psoriasis"
    SJOGRENS = "sjogrens", "Sjögren's syndrome"
    MYASTHENIA_GRAVIS = "myasthenia_gravis", "Myasthenia gravis"
    NEUROMYELITIS_OPTICA = "neuromyelitis_optica", "Neuromyelitis optica"
    CIDP = "cidp", "CIDP"
    ANKYLOSING_SPONDYLITIS = "ankylosing_spondylitis", "Ankylosing spondylitis"
    VASCULITIS = "vasculitis", "Vasculitis"
    INFLAMMATORY_MYOPATHY = "inflammatory_myopathy", "Inflammatory myopathy"
    AUTOIMMUNE_LIVER = "autoimmune_liver", "Autoimmune liver disease"
    APLASTIC_ANEMIA = "aplastic_anemia", "Aplastic anemia"
    OTHER_AUTOIMMUNE = "other_autoimmune", "Other immune-mediated"


#: What "autoimmune disease" means in a search: every condition except GVHD. GVHD is
#: immune-mediated but is a complication of a donor transplant, and a coordinator looking for
#: autoimmune care should see it only when asking for it by name.
AUTOIMMUNE_GROUP = "autoimmune"
AUTOIMMUNE_CONDITIONS: frozenset[str] = frozenset(c.value for c in Condition) - {Condition.GVHD}


def expand_condition_codes(codes: Iterable[str]) -> frozenset[str]:
    """Condition codes with the group word `autoimmune` replaced by its members (GVHD apart)."""
    wanted = {c.strip().lower() for c in codes}
    if AUTOIMMUNE_GROUP in wanted:
        wanted = (wanted - {AUTOIMMUNE_GROUP}) | AUTOIMMUNE_CONDITIONS
    return frozenset(wanted)


class Specialty(Vocab):
    RHEUMATOLOGY = "rheumatology", "Rheumatology"
    NEUROLOGY = "neurology", "Neurology"
    HEMATOLOGY_TRANSPLANT = "hematology_transplant", "Hematology / transplant"
    GASTROENTEROLOGY = "gastroenterology", "Gastroenterology"
    NEPHROLOGY = "nephrology", "Nephrology"
    DERMATOLOGY = "dermatology", "Dermatology"
    ENDOCRINOLOGY = "endocrinology", "Endocrinology"
    IMMUNOLOGY = "immunology", "Immunology"
    PULMONOLOGY = "pulmonology", "Pulmonology"
    HEPATOLOGY = "hepatology", "Hepatology"


class SupportService(Vocab):
    PATIENT_EDUCATION = "patient_education", "Patient education"
    NURSE_NAVIGATOR = "nurse_navigator", "Nurse navigator"
    SOCIAL_WORK = "social_work", "Social work"
    FINANCIAL_COUNSELING = "financial_counseling", "Financial counseling"
    PSYCHOLOGY = "psychology", "Psychology"
    PHYSICAL_THERAPY = "physical_therapy", "Physical therapy"
    NUTRITION = "nutrition", "Nutrition"
    INTERPRETER = "interpreter", "Interpreter"
    LODGING = "lodging", "Lodging assistance"


class Setting(Vocab):
    OUTPATIENT = "outpatient", "Outpatient"
    INPATIENT = "inpatient", "Inpatient (hospital stay)"
    BOTH = "both", "Outpatient or inpatient"


class ContactRole(Vocab):
    COORDINATOR = "coordinator", "Referral coordinator"
    FINANCIAL_COUNSELOR = "financial_counselor", "Financial counselor"
    INTAKE = "intake", "Intake"
    PHYSICIAN = "physician", "Physician"
    GENERAL = "general", "General"


class Accreditation(Vocab):
    FACT = "fact", "FACT"
    JACIE = "jacie", "JACIE"
    FACT_JACIE = "fact_jacie", "FACT-JACIE"


class TrialStatus(Vocab):
    RECRUITING = "recruiting", "Recruiting"
    NOT_YET_RECRUITING = "not_yet_recruiting", "Not yet recruiting"
    ENROLLING_BY_INVITATION = "enrolling_by_invitation", "Enrolling by invitation"
    ACTIVE_NOT_RECRUITING = "active_not_recruiting", "Active, not recruiting"
    COMPLETED = "completed", "Completed"
    SUSPENDED = "suspended", "Suspended"
    TERMINATED = "terminated", "Terminated"
    WITHDRAWN = "withdrawn", "Withdrawn"
    UNKNOWN = "unknown", "Unknown status"
    AVAILABLE = "available", "Available (expanded access)"
    NO_LONGER_AVAILABLE = "no_longer_available", "No longer available"
    WITHHELD = "withheld", "Withheld"
    #: A site only: the registry's full record of the trial no longer lists it (set by an
    #: update, never read from a file).
    REMOVED = "removed", "No longer listed by the registry"


#: Statuses in which a trial is still running (counts as "active trials").
ACTIVE_TRIAL_STATUSES: frozenset[str] = frozenset(
    {
        TrialStatus.RECRUITING,
        TrialStatus.NOT_YET_RECRUITING,
        TrialStatus.ENROLLING_BY_INVITATION,
        TrialStatus.ACTIVE_NOT_RECRUITING,
    }
)


class Phase(Vocab):
    EARLY_PHASE1 = "early_phase1", "Early phase 1"
    PHASE1 = "phase1", "Phase 1"
    PHASE2 = "phase2", "Phase 2"
    PHASE3 = "phase3", "Phase 3"
    PHASE4 = "phase4", "Phase 4"
    NA = "na", "Not applicable"


class Provenance(Vocab):
    """How a fact came to be known. Only `verified` facts were checked by a person."""

    VERIFIED = "verified", "Verified"
    REGISTRY = "registry", "Inferred from registry"
    HIFLD = "hifld", "HIFLD hospital list"
    GAZETTEER = "gazetteer", "Offline gazetteer"
    FDA = "fda", "FDA warning letters"
    CMS = "cms", "CMS hospital list"
    SAMPLE = "sample", "Sample data"


class RedFlagKind(Vocab):
    UNPROVEN_MARKETING = "unproven_marketing", "Markets unproven treatment"
    REGULATOR_WARNING = "regulator_warning", "Regulator warning letter"
    PAY_TO_PARTICIPATE = "pay_to_participate", "Charges to join a 'trial'"
    NO_REGISTERED_TRIAL = "no_registered_trial", "Claims a trial that is not registered"
    OTHER = "other", "Other concern"
