"""Golden runs: the same seeds give the same numbers as before the redesign
(tests/golden/runs.py says how they were captured and when they may change)."""

from __future__ import annotations

import json

import pytest

from tests.golden.runs import CASES, GOLDEN_FILE, run_case

GOLDENS = json.loads(GOLDEN_FILE.read_text())


def test_every_case_has_a_golden():
    assert sorted(GOLDENS) == sorted(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_golden_run_is_unchanged(name):
    got, want = run_case(name), GOLDENS[name]
    changed = {
        key: (want["summary"].get(key), got["summary"].get(key))
        for key in sorted(set(want["summary"]) | set(got["summary"]))
        if want["summary"].get(key, "absent") != got["summary"].get(key, "absent")
    }
    assert not changed, f"summary changed (golden, now): {changed}"
    assert got["timeseries_sha256"] == want["timeseries_sha256"], "per-step table changed"
