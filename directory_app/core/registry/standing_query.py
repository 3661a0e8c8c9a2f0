"""The directory's one standing ClinicalTrials.gov query, written down once.

Every way the directory is kept current asks the registry the same question: the online update
(`registry.online_update`), the download links handed to someone on a connected computer
(`handoff_urls`), and anyone rebuilding the bundled seed who wants to know which search it
stands for. Keeping the terms here means nobody has to guess which search on clinicaltrials.gov
the directory was built from.

Two requests are made against the registry's API v2 (`/studies`, JSON pages of `pageSize`
studies with a `nextPageToken`):
- the standing query: autoimmune and immune-mediated conditions (`query.cond`) × cell therapies
  - MSC, HSCT, CAR-T and other engineered cells (`query.intr`);
- the refresh of known trials: every NCT id already in the directory (`filter.ids`), so that
  old statuses and the full site lists of studies come back even when they no longer match.
Both ask only for the modules the importer reads (`FIELDS`), which keeps pages small.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from directory_app.core.registry.fields import StudyRecord

#: The registry's public API v2 address; `--api-base` points an update at a mirror instead.
DEFAULT_API_BASE = "https://clinicaltrials.gov/api/v2"

#: Conditions of the standing query (the registry's condition search expands synonyms).
CONDITIONS: tuple[str, ...] = (
    "autoimmune disease",
    "multiple sclerosis",
    "systemic lupus erythematosus",
    "lupus nephritis",
    "rheumatoid arthritis",
    "systemic sclerosis",
    "Crohn disease",
    "ulcerative colitis",
    "type 1 diabetes",
    "myasthenia gravis",
    "neuromyelitis optica",
    "vasculitis",
    "Sjogren syndrome",
    "dermatomyositis",
    "chronic inflammatory demyelinating polyneuropathy",
    "autoimmune hepatitis",
    "psoriasis",
    "graft versus host disease",
)

#: Cell therapies of the standing query.
INTERVENTIONS: tuple[str, ...] = (
    "mesenchymal stem cells",
    "mesenchymal stromal cells",
    "stem cell",
    "hematopoietic stem cell transplantation",
    "CAR-T",
    "chimeric antigen receptor",
    "CAR-NK",
    "regulatory T cells",
)

#: The API v2 modules the importer reads (see `registry.v2_json`); nothing else is requested.
FIELDS: tuple[str, ...] = (
    "protocolSection.identificationModule",
    "protocolSection.statusModule",
    "protocolSection.sponsorCollaboratorsModule",
    "protocolSection.conditionsModule",
    "protocolSection.designModule",
    "protocolSection.armsInterventionsModule",
    "protocolSection.eligibilityModule",
    "protocolSection.contactsLocationsModule",
)

#: Studies per page: the API's maximum, so a few hundred studies need only a few requests.
PAGE_SIZE = 1000
#: NCT ids per refresh request; keeps each URL well under common length limits (~2,000 chars).
IDS_PER_REQUEST = 100


#: Words of the intervention terms as a local search: "stem cell", "CAR-T", "regulatory T cells"
#: ... plus "cell therapy", which titles use for products the registry indexes by description.
_CELL_WORDS = re.compile(
    "|".join(
        re.escape(t.lower()).replace(r"\ ", r"[\s-]+") for t in (*INTERVENTIONS, "cell therapy")
    )
)


def matches_standing_query(study: StudyRecord) -> bool:
    """Whether a study answers the standing query: an autoimmune or immune-mediated condition
    (`classify.is_autoimmune_study`, the importer's own test) and a cell therapy in its
    interventions or title (`classify.therapies_from_text`, or one of `INTERVENTIONS`).

    For selecting studies from a file (the seed build) the way the registry's search selects
    them online. The registry also searches intervention descriptions a download does not
    carry, so a coded product named only by its code ("Biological: IMS001") matches there and
    not here; where the two differ, the registry's answer to the update is what gets imported.
    """
    # In the function: the classifier's patterns compile only for a selection from a file
    # (the seed build), not for the update dialog or the 'online' command.
    from directory_app.core.registry.classify import is_autoimmune_study, therapies_from_text

    if not is_autoimmune_study(study):
        return False
    if therapies_from_text(study.interventions, study.title):
        return True
    return any(_CELL_WORDS.search(text.lower()) for text in (*study.interventions, study.title))


def _either(terms: Iterable[str]) -> str:
    """The registry's search syntax for "any of these": quoted phrases joined by OR."""
    return " OR ".join(f'"{t}"' if " " in t else t for t in terms)


def standing_params(page_size: int = PAGE_SIZE) -> dict[str, str]:
    """Query parameters of the standing query (without a page token)."""
    return {
        "format": "json",
        "query.cond": _either(CONDITIONS),
        "query.intr": _either(INTERVENTIONS),
        "fields": ",".join(FIELDS),
        "pageSize": str(page_size),
    }


def refresh_params(nct_ids: Sequence[str], page_size: int = PAGE_SIZE) -> dict[str, str]:
    """Query parameters asking for exactly these trials (statuses and full site lists)."""
    return {
        "format": "json",
        "filter.ids": ",".join(nct_ids),
        "fields": ",".join(FIELDS),
        "pageSize": str(page_size),
    }


def requests_for(nct_ids: Sequence[str], page_size: int = PAGE_SIZE) -> list[dict[str, str]]:
    """Every request an update makes: the standing query, then the known ids in chunks."""
    ids = sorted(set(nct_ids))
    chunks = [ids[i : i + IDS_PER_REQUEST] for i in range(0, len(ids), IDS_PER_REQUEST)]
    return [standing_params(page_size)] + [refresh_params(c, page_size) for c in chunks]


def studies_url(api_base: str, params: dict[str, str]) -> str:
    """The full `/studies` URL of one request."""
    return f"{api_base.rstrip('/')}/studies?{urlencode(params)}"


def handoff_urls(nct_ids: Sequence[str], api_base: str = DEFAULT_API_BASE) -> list[str]:
    """Download links for a connected computer: each returns one API v2 JSON page the importer
    reads. (A query with more results than one page answers with a `nextPageToken`; the page
    size is the API's maximum, which the standing query stays under.)"""
    return [studies_url(api_base, params) for params in requests_for(nct_ids)]


HANDOFF_STEPS: tuple[str, ...] = (
    "On a computer that may go online, open each link below in a browser and save the page "
    "(File > Save as, JSON) - one file per link.",
    "Carry the saved files to this computer (USB stick, shared folder) - put them in one folder.",
    "Here, choose File > Import (or run: directory-app import FOLDER) and pick that folder; the "
    "import is all-or-nothing and can be undone.",
)
