"""Centers in the exchange form for the editing, shortlist and compare tests."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

_BASE: dict[str, Any] = {
    "name": "Lakeside University Hospital",
    "kind": "academic_hospital",
    "address": "100 Lakeshore Drive",
    "city": "Chicago",
    "region": "IL",
    "postal_code": "60611",
    "country": "United States",
    "latitude": 41.8955,
    "longitude": -87.6217,
    "phone": "+1 (312) 555-0100",
    "email": "referrals@lakeside.example.org",
    "website": "https://lakeside.example.org/cell-therapy",
    "setting": "inpatient",
    "typical_stay_days": 28,
    "age_min": 18,
    "age_max": 65,
    "requires_failed_conventional": True,
    "cost_min_usd": 80000,
    "cost_max_usd": 150000,
    "insurance_accepted": True,
    "payment_plans": None,
    "financial_assistance": False,
    "trial_reduced_cost": None,
    "accreditation": "fact",
    "accreditation_scope": "Autologous HSCT",
    "notes": "Accepts referrals from outside the state.",
    "therapies": [{"therapy": "hsct_autologous", "delivery": "intravenous"}],
    "conditions": [{"condition": "multiple_sclerosis"}, {"condition": "systemic_sclerosis"}],
    "team": [
        {"role": "specialty", "discipline": "neurology"},
        {"role": "service", "discipline": "nurse_navigator"},
    ],
    "contacts": [
        {"role": "coordinator", "name": "Pat Rivera", "phone": "312-555-0101", "email": None}
    ],
    "red_flags": [],
}


def sample_center(**changes: Any) -> dict[str, Any]:
    """A complete, valid new center (no id); keyword arguments replace fields."""
    data = deepcopy(_BASE)
    data.update(changes)
    return data


class Recorder:
    """Stands in for the window: remembers refreshes and the messages it would show."""

    def __init__(self) -> None:
        self.changed: list[int] = []
        self.errors: list[str] = []

    def on_change(self, center_id: int) -> None:
        self.changed.append(center_id)

    def on_error(self, message: str) -> None:
        self.errors.append(message)
