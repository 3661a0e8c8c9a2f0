"""The directory's data model (SQLAlchemy 2.x typed mappings).

Two rules shape every table:
- Unknown is stored as NULL, never as a guess: a boolean that nobody checked is `None`, not `False`.
- Every fact carries its provenance: `source` (a `Provenance` code), `source_ref` (e.g. the NCT id
  it was inferred from, or who verified it) and `verified_on` (the date a person last checked it;
  NULL for facts inferred from a registry). The GUI shows these next to every flag.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_uid() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    pass


class ProvenanceMixin:
    """Where a fact came from and when a person last verified it."""

    source: Mapped[str] = mapped_column(String(20), default="verified")
    source_ref: Mapped[str | None] = mapped_column(String(200))
    verified_on: Mapped[date | None] = mapped_column(Date)

    @property
    def inferred(self) -> bool:
        return self.source != "verified"


class Center(Base):
    """One hospital, transplant center or clinic. `uid` is stable across databases (sync, export);
    `version` guards against lost updates (SQLAlchemy raises StaleDataError on a stale save)."""

    __tablename__ = "centers"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(30))
    kind_source: Mapped[str | None] = mapped_column(String(20))
    kind_source_ref: Mapped[str | None] = mapped_column(String(200))

    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(80))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_source: Mapped[str | None] = mapped_column(String(20))

    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(300))
    #: Where the address and phone came from when not from the center's own source
    #: (`Provenance`: "cms", "hifld"); NULL: from `source` (migration 0012).
    contact_source: Mapped[str | None] = mapped_column(String(20))
    #: The CMS Certification Number of the hospital, and its CMS hospital type ("Acute Care
    #: Hospitals", "Childrens"), when the center was joined to the CMS list (migration 0012).
    ccn: Mapped[str | None] = mapped_column(String(10))
    hospital_type: Mapped[str | None] = mapped_column(String(60))

    setting: Mapped[str | None] = mapped_column(String(20))
    typical_stay_days: Mapped[int | None] = mapped_column(Integer)
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    requires_failed_conventional: Mapped[bool | None] = mapped_column(Boolean)
    eligibility_notes: Mapped[str | None] = mapped_column(Text)

    cost_min_usd: Mapped[int | None] = mapped_column(Integer)
    cost_max_usd: Mapped[int | None] = mapped_column(Integer)
    insurance_accepted: Mapped[bool | None] = mapped_column(Boolean)
    insurance_notes: Mapped[str | None] = mapped_column(Text)
    payment_plans: Mapped[bool | None] = mapped_column(Boolean)
    financial_assistance: Mapped[bool | None] = mapped_column(Boolean)
    trial_reduced_cost: Mapped[bool | None] = mapped_column(Boolean)

    accreditation: Mapped[str | None] = mapped_column(String(20))
    accreditation_scope: Mapped[str | None] = mapped_column(String(300))

    notes: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default="verified")
    source_ref: Mapped[str | None] = mapped_column(String(300))
    last_verified: Mapped[date | None] = mapped_column(Date)
    verified_by: Mapped[str | None] = mapped_column(String(120))
    #: {section: ISO date} a person verified each part of the record (`verification`); NULL
    #: for a center saved before sections existed: all of it verified on `last_verified`.
    verified_sections: Mapped[dict[str, str] | None] = mapped_column(JSON)
    #: Field names a person edited or verified: registry imports never overwrite these.
    edited_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL")
    )

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_centers_lat_lon", "latitude", "longitude"),
        Index("ix_centers_name", "name"),
    )

    therapies: Mapped[list[TherapyOffering]] = relationship(
        back_populates="center", cascade="all, delete-orphan", order_by="TherapyOffering.therapy"
    )
    conditions: Mapped[list[ConditionTreated]] = relationship(
        back_populates="center", cascade="all, delete-orphan", order_by="ConditionTreated.condition"
    )
    team: Mapped[list[TeamMember]] = relationship(
        back_populates="center", cascade="all, delete-orphan", order_by="TeamMember.discipline"
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="center", cascade="all, delete-orphan", order_by="Contact.id"
    )
    red_flags: Mapped[list[RedFlag]] = relationship(
        back_populates="center", cascade="all, delete-orphan", order_by="RedFlag.id"
    )
    trial_sites: Mapped[list[TrialSite]] = relationship(
        back_populates="center", cascade="all, delete-orphan"
    )
    aliases: Mapped[list[CenterAlias]] = relationship(
        back_populates="center", cascade="all, delete-orphan", order_by="CenterAlias.name"
    )


class CenterAlias(ProvenanceMixin, Base):
    """Another name the center is registered under (migration 0013): a facility name of the
    registry that names the same institution, kept when sites were merged into one center so
    the text search still finds it, and so a person can split it off again."""

    __tablename__ = "center_aliases"
    __table_args__ = (UniqueConstraint("center_id", "name", name="uq_center_aliases_center_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    center: Mapped[Center] = relationship(back_populates="aliases")


class TherapyOffering(ProvenanceMixin, Base):
    __tablename__ = "therapy_offerings"
    __table_args__ = (UniqueConstraint("center_id", "therapy"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id", ondelete="CASCADE"), index=True)
    therapy: Mapped[str] = mapped_column(String(30))
    delivery: Mapped[str | None] = mapped_column(String(20))
    center: Mapped[Center] = relationship(back_populates="therapies")


class ConditionTreated(ProvenanceMixin, Base):
    __tablename__ = "conditions_treated"
    __table_args__ = (UniqueConstraint("center_id", "condition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id", ondelete="CASCADE"), index=True)
    condition: Mapped[str] = mapped_column(String(40))
    center: Mapped[Center] = relationship(back_populates="conditions")


class TeamMember(ProvenanceMixin, Base):
    """One discipline on the care team: a specialty (`role='specialty'`) or a support service
    (`role='service'`). Multidisciplinary criteria are queries over these rows."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("center_id", "role", "discipline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    discipline: Mapped[str] = mapped_column(String(40))
    center: Mapped[Center] = relationship(back_populates="team")


class Contact(ProvenanceMixin, Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    center: Mapped[Center] = relationship(back_populates="contacts")


class RedFlag(ProvenanceMixin, Base):
    __tablename__ = "red_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    center: Mapped[Center] = relationship(back_populates="red_flags")


class Trial(Base):
    """A registered study. Registry fields only: a person's edits live on centers, not here."""

    __tablename__ = "trials"

    id: Mapped[int] = mapped_column(primary_key=True)
    nct_id: Mapped[str] = mapped_column(String(11), unique=True)
    title: Mapped[str] = mapped_column(Text)
    acronym: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(30), index=True)
    phases: Mapped[list[str]] = mapped_column(JSON, default=list)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    interventions: Mapped[list[str]] = mapped_column(JSON, default=list)
    sponsor: Mapped[str | None] = mapped_column(String(300))
    min_age_years: Mapped[float | None] = mapped_column(Float)
    max_age_years: Mapped[float | None] = mapped_column(Float)
    #: Eligibility as the registry states it (migration 0006); NULL = the source said nothing.
    sex: Mapped[str | None] = mapped_column(String(10))  # "all", "female" or "male"
    healthy_volunteers: Mapped[bool | None] = mapped_column(Boolean)
    enrollment: Mapped[int | None] = mapped_column(Integer)
    start_date: Mapped[date | None] = mapped_column(Date)
    completion_date: Mapped[date | None] = mapped_column(Date)
    eligibility_text: Mapped[str | None] = mapped_column(Text)
    inclusion_criteria: Mapped[list[str] | None] = mapped_column(JSON)
    exclusion_criteria: Mapped[list[str] | None] = mapped_column(JSON)
    last_update: Mapped[date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(200))
    #: When an update last fetched this trial's record from the registry (not the record's own
    #: last-update date): how fresh the directory's copy is. None: never checked here.
    checked_on: Mapped[date | None] = mapped_column(Date)
    #: How many sites the registry lists for the trial, when the source says (migration 0010):
    #: a download naming only the first site's city still tells how many there are.
    sites_total: Mapped[int | None] = mapped_column(Integer)
    #: The download this record was read from (e.g. "ClinicalTrials.gov MS studies 2025-09"):
    #: where a study is in two sources, the one whose record is newer.
    record_source: Mapped[str | None] = mapped_column(String(120))
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL")
    )

    sites: Mapped[list[TrialSite]] = relationship(
        back_populates="trial", cascade="all, delete-orphan"
    )
    places: Mapped[list[TrialPlace]] = relationship(
        back_populates="trial", cascade="all, delete-orphan", order_by="TrialPlace.id"
    )


class TrialSite(Base):
    """Links a trial to a center, keeping the facility exactly as the registry wrote it."""

    __tablename__ = "trial_sites"
    __table_args__ = (UniqueConstraint("trial_id", "center_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id", ondelete="CASCADE"), index=True)
    site_status: Mapped[str | None] = mapped_column(String(30))
    facility: Mapped[str] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(80))
    #: The registry's contacts for this trial at this site: [{"name", "role", "phone",
    #: "email"}], source the trial's record (NCT id, as of its last update); NULL = not given.
    contacts: Mapped[list[dict[str, str | None]] | None] = mapped_column(JSON)
    #: NULL: the registry named this facility. Otherwise how the link was inferred, e.g.
    #: "sponsor_city" (the registry gave only a city, and the trial's sponsor is this center,
    #: in that city); `facility` then holds the sponsor as the registry wrote it.
    inferred_from: Mapped[str | None] = mapped_column(String(40))
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL")
    )

    trial: Mapped[Trial] = relationship(back_populates="sites")
    center: Mapped[Center] = relationship(back_populates="trial_sites")


class TrialPlace(Base):
    """A site of a trial that the registry names only by its city (no facility): a located
    place of the trial, never a center. `center_id` is set only when the trial's sponsor is a
    center of the directory in this very city (`inferred_from` says so)."""

    __tablename__ = "trial_places"
    __table_args__ = (Index("ix_trial_places_lat_lon", "latitude", "longitude"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    city: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(80))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: How the coordinates were found ("gazetteer": the city's, from the offline gazetteer).
    location_source: Mapped[str | None] = mapped_column(String(20))
    center_id: Mapped[int | None] = mapped_column(
        ForeignKey("centers.id", ondelete="SET NULL"), index=True
    )
    inferred_from: Mapped[str | None] = mapped_column(String(40))
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL")
    )

    trial: Mapped[Trial] = relationship(back_populates="places")
    center: Mapped[Center | None] = relationship()


class ImportBatch(Base):
    """One import run; rows it created point back here so 'undo last import' is exact."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    source_file: Mapped[str] = mapped_column(String(500))
    file_format: Mapped[str] = mapped_column(String(30))
    summary: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)


class Setting(Base):
    """Small key/value facts about the database itself (seed date, data sources)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
