"""Reading ClinicalTrials.gov downloads: the classic CSV, the current CSV and API v2 JSON.

The fixtures in tests/data/ctgov are cut from a real classic export (17 studies, 16 of them on
autoimmune or immune-mediated disease); the current-CSV and JSON files carry the same studies,
titles and sites in those formats, so all three must read the same.
"""

from __future__ import annotations

import json
import pickle
import zipfile
from datetime import date
from pathlib import Path

import pytest

from directory_app.core.directory.vocab import Phase, TrialStatus
from directory_app.core.registry import ctgov
from directory_app.core.registry.ctgov import (
    RecordError,
    SiteRecord,
    StudyRecord,
    detect_format,
    iter_studies,
    parse_date,
    parse_location,
    parse_phases,
    parse_status,
)
from directory_app.core.registry.streams import decode_chunks, decode_lines, iter_json_records

DATA = Path(__file__).resolve().parents[1] / "data" / "ctgov"
CLASSIC = DATA / "classic-autoimmune.csv"
CURRENT = DATA / "current-autoimmune.csv"
V2_PAGE = DATA / "v2-page.json"
V2_ZIP = DATA / "v2-two-pages.zip"

FIXTURE_IDS = {
    "NCT04447833", "NCT03765957", "NCT01221428", "NCT03778333", "NCT03171194", "NCT02249676",
    "NCT01765634", "NCT01377870", "NCT01297972", "NCT04328714", "NCT00953485", "NCT02809781",
    "NCT03186417", "NCT04723303", "NCT01915927", "NCT04956744", "NCT03060551",
}  # fmt: skip


def by_id(path: Path) -> dict[str, StudyRecord]:
    return {study.nct_id: study for study in iter_studies(path)}


# --- format detection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("classic-autoimmune.csv", ctgov.FORMAT_CLASSIC_CSV),
        ("classic-bom.csv", ctgov.FORMAT_CLASSIC_CSV),
        ("current-autoimmune.csv", ctgov.FORMAT_CURRENT_CSV),
        ("v2-page.json", ctgov.FORMAT_V2_JSON),
        ("v2-list.json", ctgov.FORMAT_V2_JSON),
        ("v2-single-study.json", ctgov.FORMAT_V2_JSON),
        ("v2-two-pages.zip", ctgov.FORMAT_ZIP),
    ],
)
def test_format_is_detected_from_content(name: str, expected: str) -> None:
    assert detect_format(DATA / name) == expected


def test_format_detection_ignores_the_file_extension(tmp_path: Path) -> None:
    disguised = tmp_path / "download.txt"
    disguised.write_bytes(V2_PAGE.read_bytes())
    assert detect_format(disguised) == ctgov.FORMAT_V2_JSON
    csv_as_json = tmp_path / "studies.json"
    csv_as_json.write_bytes(CURRENT.read_bytes())
    assert detect_format(csv_as_json) == ctgov.FORMAT_CURRENT_CSV
    assert len(list(iter_studies(csv_as_json))) == 17


def test_a_folder_is_a_collection(tmp_path: Path) -> None:
    assert detect_format(tmp_path) == ctgov.FORMAT_FOLDER


def test_unrelated_file_is_rejected_with_a_record_error(tmp_path: Path) -> None:
    other = tmp_path / "notes.csv"
    other.write_text("name,city\nMayo Clinic,Rochester\n", encoding="utf-8")
    with pytest.raises(RecordError, match="not a ClinicalTrials.gov download") as info:
        detect_format(other)
    assert info.value.file == "notes.csv"


def test_missing_file_is_a_record_error_not_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="cannot read"):
        list(iter_studies(tmp_path / "gone.csv"))


# --- the classic CSV -------------------------------------------------------------------------


def test_classic_csv_yields_every_study_with_vocabulary_codes() -> None:
    studies = by_id(CLASSIC)
    assert set(studies) == FIXTURE_IDS
    mayo = studies["NCT01915927"]
    assert mayo == StudyRecord(
        nct_id="NCT01915927",
        title="Stem Cell Fistula Plug in Perianal Crohn's Disease",
        acronym="MSC-AFP",
        status=TrialStatus.COMPLETED,
        phases=(Phase.PHASE1,),
        conditions=("Perianal Crohn's Disease",),
        interventions=("Drug: MSC-AFP",),
        sponsor="William A. Faubion, M.D.",
        last_update=date(2020, 1, 3),
        url="https://clinicaltrials.gov/study/NCT01915927",
        min_age_years=18.0,
        max_age_years=65.0,
        sites=(SiteRecord("Mayo Clinic", "Rochester", "Minnesota", country="United States"),),
        # The classic CSV's Gender, Enrollment, Start Date and Completion Date columns
        # ("All", "20", "July 2013", "December 2019"); a month-only date is its first day.
        sex="all",
        enrollment=20,
        start_date=date(2013, 7, 1),
        completion_date=date(2019, 12, 1),
    )


def test_classic_csv_statuses_and_phases_become_codes() -> None:
    studies = by_id(CLASSIC)
    assert studies["NCT03765957"].status == TrialStatus.UNKNOWN  # "Unknown status"
    assert studies["NCT04447833"].status == TrialStatus.ACTIVE_NOT_RECRUITING
    assert studies["NCT03765957"].phases == (Phase.EARLY_PHASE1,)
    assert studies["NCT02809781"].phases == (Phase.PHASE2, Phase.PHASE3)


def test_classic_csv_age_ranges() -> None:
    studies = by_id(CLASSIC)
    assert (studies["NCT04328714"].min_age_years, studies["NCT04328714"].max_age_years) == (
        1.0,
        None,
    )  # "1 Year and older"
    assert studies["NCT03060551"].max_age_years is None  # "18 Years and older"


def test_facility_names_containing_commas_are_kept_whole() -> None:
    studies = by_id(CLASSIC)
    (xiangya,) = studies["NCT03765957"].sites
    assert xiangya == SiteRecord(
        "Xiangya Hospital, Central South University", "Changsha", "Hunan", country="China"
    )
    (nanfang,) = studies["NCT01765634"].sites
    assert (
        nanfang.facility
        == "Department of Hematology, Nanfang Hospital, Southern Medical University"
    )
    assert (nanfang.city, nanfang.region) == ("Guangzhou", "Guangdong")
    (seoul,) = studies["NCT03060551"].sites
    assert seoul.facility == (
        "Seoul St. Mary's Hospital, College of Medicine, The Catholic University of Korea"
    )
    assert (seoul.city, seoul.region, seoul.country) == ("Seoul", None, "Korea, Republic of")


def test_country_names_with_commas_are_rejoined() -> None:
    (royan,) = by_id(CLASSIC)["NCT01377870"].sites
    assert royan == SiteRecord(
        "Royan Institute", "Tehran", None, country="Iran, Islamic Republic of"
    )


def test_multi_site_study_keeps_site_order() -> None:
    sites = by_id(CLASSIC)["NCT04956744"].sites
    assert [(s.facility, s.city, s.region) for s in sites] == [
        ("Shepherd Center", "Atlanta", "Georgia"),
        ("UMass Memorial Medical Center", "Worcester", "Massachusetts"),
        ("Rocky Mountain MS Clinic", "Salt Lake City", "Utah"),
    ]


# --- parse_location --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "facility", "city", "region", "country"),
    [
        ("Mayo Clinic, Rochester, Minnesota, United States",
         "Mayo Clinic", "Rochester", "Minnesota", "United States"),
        ("Walnut Creek, California, United States", "", "Walnut Creek", "California",
         "United States"),
        ("Uppsala University Hospital, Uppsala, Sweden",
         "Uppsala University Hospital", "Uppsala", None, "Sweden"),
        ("Tianjin Medical University General Hospital, Tianjin, Tianjin, China",
         "Tianjin Medical University General Hospital", "Tianjin", "Tianjin", "China"),
        ("Department of Orthopaedic Trauma, University of Ulm, Ulm, Germany",
         "Department of Orthopaedic Trauma, University of Ulm", "Ulm", None, "Germany"),
        ("Hospital General La Mancha Centro, Alcázar De San Juan, Ciudad Real, Spain",
         "Hospital General La Mancha Centro", "Alcázar De San Juan", "Ciudad Real", "Spain"),
        ("Asan Medical Center, Seoul, Korea, Republic of",
         "Asan Medical Center", "Seoul", None, "Korea, Republic of"),
        ("Hospital, Sala Dermatologia, Bologna, Italy",
         "Hospital, Sala Dermatologia", "Bologna", None, "Italy"),
    ],
)  # fmt: skip
def test_locations_are_split_from_the_right(
    text: str, facility: str, city: str, region: str | None, country: str
) -> None:
    site = parse_location(text)
    assert (site.facility, site.city, site.region, site.country) == (
        facility,
        city,
        region,
        country,
    )


def test_current_format_locations_carry_a_postal_code() -> None:
    site = parse_location(
        "Mayo Clinic, Rochester, Minnesota, 55905, United States", has_postal_code=True
    )
    assert (site.facility, site.city, site.region, site.postal_code) == (
        "Mayo Clinic",
        "Rochester",
        "Minnesota",
        "55905",
    )
    korea = parse_location(
        "Asan Medical Center, Seoul, 05505, Korea, Republic of", has_postal_code=True
    )
    assert (korea.city, korea.postal_code, korea.country) == (
        "Seoul",
        "05505",
        "Korea, Republic of",
    )


# --- all three formats agree -----------------------------------------------------------------


def _comparable(study: StudyRecord) -> tuple[object, ...]:
    sites = tuple((s.facility, s.city, s.region, s.country) for s in study.sites)
    return (study.nct_id, study.title, study.acronym, study.status, study.phases,
            study.conditions, study.interventions, study.sponsor, study.last_update,
            study.url, sites)  # fmt: skip


@pytest.mark.parametrize("other", [CURRENT, V2_PAGE, V2_ZIP], ids=["current", "v2", "zip"])
def test_every_format_reads_the_same_studies(other: Path) -> None:
    classic = by_id(CLASSIC)
    again = by_id(other)
    assert set(again) == set(classic)
    for nct_id, study in classic.items():
        assert _comparable(again[nct_id]) == _comparable(study), nct_id


def test_current_csv_adds_postal_codes_to_sites() -> None:
    (mayo,) = by_id(CURRENT)["NCT01915927"].sites
    assert mayo.postal_code == "55902"
    assert mayo.latitude is None


def test_v2_json_adds_site_status_and_coordinates() -> None:
    studies = by_id(V2_PAGE)
    (florida,) = studies["NCT04723303"].sites
    assert florida.status == TrialStatus.RECRUITING
    assert florida.latitude == pytest.approx(29.64, abs=0.05)
    assert florida.longitude == pytest.approx(-82.34, abs=0.05)
    assert studies["NCT03060551"].max_age_years is None
    assert studies["NCT03060551"].min_age_years == 18.0


def test_v2_json_single_study_and_list_shapes() -> None:
    (single,) = iter_studies(DATA / "v2-single-study.json")
    assert single.nct_id == "NCT01915927"
    assert len(list(iter_studies(DATA / "v2-list.json"))) == 3


def test_zip_pages_are_read_in_member_order() -> None:
    with zipfile.ZipFile(V2_ZIP) as archive:
        page1 = json.loads(archive.read("ctg-studies-page1.json"))
    first_ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in page1["studies"]]
    read_ids = [s.nct_id for s in iter_studies(V2_ZIP)]
    assert read_ids[: len(first_ids)] == first_ids
    assert len(read_ids) == 17


def test_folder_of_json_files_skips_files_that_are_not_studies(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes((DATA / "v2-list.json").read_bytes())
    (tmp_path / "b.json").write_bytes((DATA / "v2-single-study.json").read_bytes())
    (tmp_path / "README.md").write_text("downloaded 2022-09-30\n", encoding="utf-8")
    assert len(list(iter_studies(tmp_path))) == 4


# --- encodings -------------------------------------------------------------------------------


def test_utf8_with_byte_order_mark_reads_like_without() -> None:
    studies = by_id(DATA / "classic-bom.csv")
    assert list(studies) == ["NCT00953485", "NCT01297972", "NCT01915927"]
    (sao_paulo,) = studies["NCT01297972"].sites
    assert (sao_paulo.city, sao_paulo.region) == ("Ribeirão Preto", "São Paulo")


def test_latin1_file_is_a_record_error_with_row_and_byte_offset() -> None:
    with pytest.raises(RecordError) as info:
        list(iter_studies(DATA / "classic-latin1.csv"))
    error = info.value
    assert (error.file, error.row) == ("classic-latin1.csv", 1)
    raw = (DATA / "classic-latin1.csv").read_bytes()
    offset = next(i for i, byte in enumerate(raw) if byte >= 0x80)
    assert f"byte {offset}" in str(error)
    assert "UTF-8" in str(error)


def test_bad_bytes_in_json_report_their_offset(tmp_path: Path) -> None:
    text = (DATA / "v2-single-study.json").read_text(encoding="utf-8")
    bad = tmp_path / "study.json"
    bad.write_bytes(text.replace("Crohn's", "Crohn\u2019s").encode("cp1252", errors="strict"))
    with pytest.raises(RecordError, match=r"not valid UTF-8 at byte \d+ \(0x92\)") as info:
        list(iter_studies(bad))
    assert info.value.row == 1


# --- errors ----------------------------------------------------------------------------------


def test_missing_required_column_names_the_file_and_column() -> None:
    with pytest.raises(RecordError) as info:
        list(iter_studies(DATA / "classic-missing-locations.csv"))
    error = info.value
    assert (error.file, error.row, error.field) == (
        "classic-missing-locations.csv",
        None,
        "Locations",
    )
    assert (
        str(error) == "classic-missing-locations.csv, field 'Locations': required column is missing"
    )


def test_invalid_nct_id_names_row_and_field() -> None:
    studies = iter_studies(DATA / "classic-bad-nct.csv")
    assert next(studies).nct_id == "NCT01915927"  # rows before the bad one still arrive
    with pytest.raises(RecordError) as info:
        next(studies)
    assert str(info.value) == (
        "classic-bad-nct.csv, row 2, field 'NCT Number': "
        "'NCT12' is not an NCT id (expected NCT followed by 8 digits)"
    )


def test_unparseable_date_names_row_and_field() -> None:
    with pytest.raises(RecordError) as info:
        list(iter_studies(DATA / "classic-bad-date.csv"))
    assert (info.value.row, info.value.field) == (3, "Last Update Posted")
    assert "'Septober 20, 2022' is not a date" in str(info.value)


def test_non_object_json_record_is_a_record_error() -> None:
    studies = iter_studies(DATA / "v2-non-object.json")
    assert next(studies).nct_id == "NCT01915927"
    with pytest.raises(RecordError, match="expected a study object, found text") as info:
        next(studies)
    assert info.value.row == 2


def test_mistyped_json_member_names_its_path() -> None:
    with pytest.raises(RecordError) as info:
        list(iter_studies(DATA / "v2-wrong-type.json"))
    assert info.value.row == 2
    assert info.value.field == "protocolSection.contactsLocationsModule.locations[0].geoPoint.lat"


def test_broken_json_is_a_record_error_with_a_line(tmp_path: Path) -> None:
    broken = tmp_path / "page.json"
    text = (DATA / "v2-list.json").read_text(encoding="utf-8")
    broken.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(RecordError, match=r"invalid JSON at line \d+"):
        list(iter_studies(broken))


def test_unknown_status_in_current_csv_names_the_column(tmp_path: Path) -> None:
    bad = tmp_path / "current.csv"
    bad.write_text(CURRENT.read_text(encoding="utf-8").replace(",RECRUITING,", ",PAUSED,", 1))
    with pytest.raises(
        RecordError, match="'PAUSED' is not a ClinicalTrials.gov recruitment"
    ) as info:
        list(iter_studies(bad))
    assert info.value.field == "Study Status"


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"[1, 2", b'{"studies": [{"protocolSection": []}]}', b"\xff\xfe{\x00",
     b'NCT Number,Title\n"unterminated', b'{"protocolSection": {"identificationModule": 5}}'],
)  # fmt: skip
def test_garbage_raises_only_record_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "input"
    path.write_bytes(content)
    with pytest.raises(RecordError):
        list(iter_studies(path))


def test_record_error_is_a_value_error_that_survives_pickling() -> None:
    error = RecordError("trials.csv", 12, "NCT Number", "bad")
    assert isinstance(error, ValueError)
    again = pickle.loads(pickle.dumps(error))
    assert (again.file, again.row, again.field, again.message) == (
        "trials.csv",
        12,
        "NCT Number",
        "bad",
    )
    assert str(again) == "trials.csv, row 12, field 'NCT Number': bad"


# --- streaming -------------------------------------------------------------------------------


def _study_json(n: int, sites: int) -> dict[str, object]:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": f"NCT{n:08d}", "briefTitle": f"Study {n}"},
            "statusModule": {"overallStatus": "RECRUITING"},
            "contactsLocationsModule": {
                "locations": [
                    {
                        "facility": f"Site {i}",
                        "city": "Rochester",
                        "state": "Minnesota",
                        "country": "United States",
                        "geoPoint": {"lat": 44.0, "lon": -92.5},
                    }
                    for i in range(sites)
                ]  # fmt: skip
            },
        }
    }


def test_json_pages_stream_one_study_at_a_time(tmp_path: Path) -> None:
    """A page whose end is broken still hands out its first studies before failing: the file is
    not parsed as a whole before the first study is yielded."""
    page = tmp_path / "big.json"
    body = json.dumps({"studies": [_study_json(n, 200) for n in range(1, 301)]})
    page.write_text(body[:-40], encoding="utf-8")  # cut off inside the last study
    studies = iter_studies(page)
    first = next(studies)
    assert first.nct_id == "NCT00000001"
    assert len(first.sites) == 200
    with pytest.raises(RecordError, match="invalid JSON"):
        list(studies)


def test_large_page_with_many_sites_is_read_completely(tmp_path: Path) -> None:
    page = tmp_path / "page.json"
    page.write_text(
        json.dumps({"nextPageToken": "x", "studies": [_study_json(n, 500) for n in range(200)]}),
        encoding="utf-8",
    )
    total = sum(len(study.sites) for study in iter_studies(page))
    assert total == 100_000


# --- field parsers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Recruiting", TrialStatus.RECRUITING),
        ("RECRUITING", TrialStatus.RECRUITING),
        ("Active, not recruiting", TrialStatus.ACTIVE_NOT_RECRUITING),
        ("ACTIVE_NOT_RECRUITING", TrialStatus.ACTIVE_NOT_RECRUITING),
        ("Not yet recruiting", TrialStatus.NOT_YET_RECRUITING),
        ("ENROLLING_BY_INVITATION", TrialStatus.ENROLLING_BY_INVITATION),
        ("Unknown status", TrialStatus.UNKNOWN),
        ("UNKNOWN", TrialStatus.UNKNOWN),
        ("No longer available", TrialStatus.NO_LONGER_AVAILABLE),
        ("Temporarily not available", TrialStatus.SUSPENDED),
        ("APPROVED_FOR_MARKETING", TrialStatus.NO_LONGER_AVAILABLE),
        ("withdrawn", TrialStatus.WITHDRAWN),
        ("", TrialStatus.UNKNOWN),
    ],
)
def test_parse_status_accepts_every_spelling(text: str, expected: TrialStatus) -> None:
    assert parse_status(text) == expected


def test_parse_status_rejects_unknown_words() -> None:
    with pytest.raises(ValueError, match="not a ClinicalTrials.gov recruitment status"):
        parse_status("Paused")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Phase 1|Phase 2", (Phase.PHASE1, Phase.PHASE2)),
        ("PHASE1|PHASE2", (Phase.PHASE1, Phase.PHASE2)),
        ("Phase I/II", (Phase.PHASE1, Phase.PHASE2)),
        ("Phase 2/Phase 3", (Phase.PHASE2, Phase.PHASE3)),
        ("Phase 2/3", (Phase.PHASE2, Phase.PHASE3)),
        ("Early Phase 1", (Phase.EARLY_PHASE1,)),
        ("EARLY_PHASE1", (Phase.EARLY_PHASE1,)),
        ("Not Applicable", (Phase.NA,)),
        ("NA", (Phase.NA,)),
        ("N/A", (Phase.NA,)),
        ("Phase 4", (Phase.PHASE4,)),
        ("PHASE2|PHASE1", (Phase.PHASE1, Phase.PHASE2)),
        ("", ()),
    ],
)
def test_parse_phases_accepts_every_spelling(text: str, expected: tuple[Phase, ...]) -> None:
    assert parse_phases(text) == expected


def test_parse_phases_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="not a trial phase"):
        parse_phases("Phase 7")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-09-14", date(2022, 9, 14)),
        ("2022-09", date(2022, 9, 1)),
        ("September 14, 2022", date(2022, 9, 14)),
        ("September 2022", date(2022, 9, 1)),
        ("Sep 14, 2022", date(2022, 9, 14)),
        ("", None),
    ],
)
def test_parse_date_formats(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2022-02-30", "14/09/2022", "Septober 2022", "soon"])
def test_parse_date_rejects_invalid_dates(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(text)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 4096])
def test_streaming_does_not_depend_on_chunk_boundaries(size: int) -> None:
    """Multi-byte characters and JSON tokens split across reads are put back together."""
    raw = V2_PAGE.read_bytes()
    chunks = (raw[i : i + size] for i in range(0, len(raw), size))
    assert list(iter_json_records(decode_chunks(chunks))) == json.loads(raw)["studies"]
    csv_raw = b"\xef\xbb\xbf" + CLASSIC.read_bytes()
    chunks = (csv_raw[i : i + size] for i in range(0, len(csv_raw), size))
    assert "".join(decode_lines(chunks)) == CLASSIC.read_text(encoding="utf-8")
