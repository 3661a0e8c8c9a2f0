"""The study classifier measured against a hand-labelled sample of real registry records.

`tests/data/classifier-labels.csv` holds studies from both bundled exports (the 2022 MSC
export and the 2025 multiple sclerosis export), each with the therapy and condition classes a
person set by reading it (its header says how). The test classifies each study the way an
import does and computes precision and recall per class; the table is printed in the run's
summary, so every run shows how well the classifier does, not just whether it passed.

The bar is precision: a wrong "gives CAR-T" or "treats lupus" sends a patient to the wrong
center, whereas a miss only leaves a fact for a person to add.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from directory_app.core.directory.vocab import Condition, Therapy
from directory_app.core.registry.classify import conditions_of, therapies_from_text

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "classifier-labels.csv"
MIN_PRECISION = 0.95
_TABLES: list[str] = []
_STASH_KEY = pytest.StashKey["_SampleReport"]()


class _SampleReport:
    """Prints the precision/recall tables at the end of the run (registered on first use)."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for table in _TABLES:
            terminalreporter.write_sep("-", table.splitlines()[0])
            for line in table.splitlines()[1:]:
                terminalreporter.write_line(line)


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _codes(cell: str) -> set[str]:
    return {c for c in cell.split("|") if c}


def load_sample() -> list[dict[str, str]]:
    lines = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#")]  # fmt: skip
    return list(csv.DictReader(lines))


def classify(row: dict[str, str]) -> tuple[set[str], set[str]]:
    """(therapy codes, condition codes) as an import infers them from the study's text."""
    conditions = conditions_of(_codes(row["conditions"]), row["title"])
    therapies = therapies_from_text(_codes(row["interventions"]), row["title"], conditions)
    return {t.value for t in therapies}, {c.value for c in conditions}


def score(pairs: Iterable[tuple[set[str], set[str]]]) -> dict[str, Score]:
    """Per class counts from (predicted, labelled) code sets."""
    scores: dict[str, Score] = {}
    for predicted, labelled in pairs:
        for code in predicted | labelled:
            s = scores.setdefault(code, Score())
            if code in predicted and code in labelled:
                s.tp += 1
            elif code in predicted:
                s.fp += 1
            else:
                s.fn += 1
    return scores


def table(title: str, scores: dict[str, Score]) -> str:
    total = Score(*(sum(getattr(s, f) for s in scores.values()) for f in ("tp", "fp", "fn")))
    lines = [title, f"{'class':<24}{'labelled':>9}{'found':>7}{'precision':>11}{'recall':>8}"]
    for code, s in [*sorted(scores.items()), ("all classes", total)]:
        lines.append(f"{code:<24}{s.tp + s.fn:>9}{s.tp + s.fp:>7}"
                     f"{s.precision:>11.1%}{s.recall:>8.1%}")  # fmt: skip
    return "\n".join(lines)


def report(config: pytest.Config, text: str) -> None:
    if _STASH_KEY not in config.stash:
        plugin = _SampleReport()
        config.stash[_STASH_KEY] = plugin
        config.pluginmanager.register(plugin, "classifier-sample-report")
    _TABLES.append(text)


@pytest.fixture(scope="module")
def sample() -> list[dict[str, str]]:
    return load_sample()


def test_the_sample_is_large_labelled_in_vocabulary_codes_and_from_both_files(sample):
    assert len(sample) >= 100
    assert {r["source"] for r in sample} == {"msc-trials-2022", "ms-trials-2025-09"}
    assert len({r["nct_id"] for r in sample}) == len(sample)
    for row in sample:
        assert _codes(row["therapies"]) <= set(Therapy.codes()), row["nct_id"]
        assert _codes(row["condition_classes"]) <= set(Condition.codes()), row["nct_id"]
    labelled = {c for r in sample for c in _codes(r["therapies"])}
    assert {"hsct_autologous", "hsct_allogeneic", "car_t", "msc_bone_marrow", "msc_adipose",
            "msc_umbilical_cord"} <= labelled  # fmt: skip


@pytest.mark.parametrize("group", ["therapies", "condition_classes"])
def test_precision_per_class_meets_the_bar(sample, group, request, record_property):
    column = 0 if group == "therapies" else 1
    scores = score((classify(r)[column], _codes(r[group])) for r in sample)
    text = table(f"classifier sample ({len(sample)} studies): {group}", scores)
    report(request.config, text)
    record_property(f"{group}_table", text)
    low = {c: f"{s.precision:.1%}" for c, s in scores.items() if s.precision < MIN_PRECISION}
    assert not low, f"precision below {MIN_PRECISION:.0%}:\n{text}"


def test_every_hsct_and_car_t_study_of_the_2025_file_is_classified(sample):
    """The HSCT and CAR-T studies are what the 2025 file adds; none may go unclassified."""
    wanted = {"hsct_autologous", "hsct_allogeneic", "car_t"}
    missed = [r["nct_id"] for r in sample if r["source"] == "ms-trials-2025-09"
              and (_codes(r["therapies"]) & wanted) - classify(r)[0]]  # fmt: skip
    assert missed == []


def test_the_table_counts_a_false_find_against_precision():
    scores = score([({"car_t"}, {"car_t"}), ({"car_t"}, set()), (set(), {"car_t"})])
    assert (scores["car_t"].precision, scores["car_t"].recall) == (0.5, 0.5)
    assert "car_t" in table("t", scores) and "50.0%" in table("t", scores)
