"""Golden runs: the same seeds give the same numbers as before the redesign, to within
ulp-level differences between processors (tests/golden/runs.py says why not bit for bit,
how the goldens were captured and when they may change)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tests.golden.runs import ATOL, CASES, GOLDEN_FILE, RTOL, read_tables, run_case

GOLDENS = json.loads(GOLDEN_FILE.read_text())
TABLES = read_tables()


def _close(want, got) -> bool:
    if isinstance(want, float) and isinstance(got, float):
        return math.isclose(want, got, rel_tol=RTOL, abs_tol=ATOL)
    return want == got


def test_every_case_has_a_golden():
    assert sorted(GOLDENS) == sorted(CASES) == sorted(TABLES)


@pytest.mark.parametrize("name", list(CASES))
def test_golden_run_is_unchanged(name):
    got, want = run_case(name), GOLDENS[name]
    changed = {
        key: (want["summary"].get(key), got["summary"].get(key))
        for key in sorted(set(want["summary"]) | set(got["summary"]))
        if not _close(want["summary"].get(key, "absent"), got["summary"].get(key, "absent"))
    }
    assert not changed, f"summary changed (golden, now): {changed}"
    table = TABLES[name]
    assert sorted(got["timeseries"]) == sorted(table), "per-step table: columns changed"
    moved = [
        column
        for column, values in table.items()
        if values.shape != got["timeseries"][column].shape
        or not np.allclose(got["timeseries"][column], values, rtol=RTOL, atol=ATOL, equal_nan=True)
    ]
    assert not moved, f"per-step table changed in columns {moved[:5]}"


def test_the_tolerance_catches_a_change_in_the_last_significant_digits():
    """The comparison is not blind: a relative change of 1e-8 in one value fails it."""
    name = next(iter(TABLES))
    column, values = next((c, v) for c, v in TABLES[name].items() if np.any(np.abs(v) > 1e-3))
    nudged = values.copy()
    nudged[np.argmax(np.abs(values))] *= 1 + 1e-8
    assert not np.allclose(nudged, values, rtol=RTOL, atol=ATOL)
