"""A stand-in for the ClinicalTrials.gov API v2 `/studies` endpoint, on 127.0.0.1.

It serves real records: the studies of the bundled ClinicalTrials.gov export
(db/sources/ctgov-msc-trials-2022.csv), turned into API v2 study objects with the members the
registry uses, paged with `pageSize` and `nextPageToken` the way the API pages them, and
answering `filter.ids` with exactly those studies. Tests can make a given request fail (429,
500, a truncated body, a wrong content type, a redirect, a dropped connection).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug import Request, Response

from directory_app.core import paths
from directory_app.core.registry.ctgov import iter_studies
from directory_app.core.registry.fields import StudyRecord

SOURCE = paths.DB_DIR / "sources" / "ctgov-msc-trials-2022.csv"


def v2_study(study: StudyRecord) -> dict[str, Any]:
    """One API v2 study object for a parsed record (the members `v2_json` reads)."""
    locations = []
    for site in study.sites:
        loc: dict[str, Any] = {"facility": site.facility, "city": site.city,
                               "country": site.country}  # fmt: skip
        if site.region:
            loc["state"] = site.region
        if site.postal_code:
            loc["zip"] = site.postal_code
        locations.append(loc)
    interventions = []
    for text in study.interventions:
        kind, _, name = text.partition(": ")
        interventions.append({"type": kind.upper(), "name": name} if name else {"name": kind})
    section: dict[str, Any] = {
        "identificationModule": {"nctId": study.nct_id, "briefTitle": study.title},
        "statusModule": {"overallStatus": study.status.value.upper()},
        "conditionsModule": {"conditions": list(study.conditions)},
        "designModule": {"phases": [p.value.upper() for p in study.phases]},
        "armsInterventionsModule": {"interventions": interventions},
        "contactsLocationsModule": {"locations": locations},
    }
    if study.acronym:
        section["identificationModule"]["acronym"] = study.acronym
    if study.sponsor:
        section["sponsorCollaboratorsModule"] = {"leadSponsor": {"name": study.sponsor}}
    if study.last_update:
        section["statusModule"]["lastUpdatePostDateStruct"] = {
            "date": study.last_update.isoformat()
        }
    return {"protocolSection": section, "hasResults": False}


def real_studies(limit: int | None = None) -> list[dict[str, Any]]:
    studies = [v2_study(s) for s in iter_studies(SOURCE)]
    return studies[:limit] if limit else studies


#: A fault: given the request number (1-based) and the request, a Response to send instead,
#: or None to answer normally.
Fault = Callable[[int, Request], Response | None]


@dataclass
class FakeRegistry:
    """The handler: `httpserver.expect_request("/api/v2/studies").respond_with_handler(reg)`."""

    studies: list[dict[str, Any]]
    fault: Fault | None = None
    log: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, request: Request) -> Response:
        args = {k: v for k, v in request.args.items()}
        self.log.append(args)
        if self.fault is not None:
            faulty = self.fault(len(self.log), request)
            if faulty is not None:
                return faulty
        return Response(json.dumps(self.page(args)), content_type="application/json")

    def page(self, args: dict[str, str]) -> dict[str, Any]:
        if "filter.ids" in args:
            wanted = set(args["filter.ids"].split(","))
            chosen = [s for s in self.studies if _nct(s) in wanted]
        else:
            chosen = self.studies
        size = int(args.get("pageSize", "10"))
        start = int(args.get("pageToken", "0") or 0)
        page: dict[str, Any] = {"studies": chosen[start : start + size]}
        if start + size < len(chosen):
            page["nextPageToken"] = str(start + size)
        return page


def _nct(study: dict[str, Any]) -> str:
    return str(study["protocolSection"]["identificationModule"]["nctId"])
