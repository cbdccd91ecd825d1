"""The reference-result suite (`kerjasama validate`): every check passes with the quick settings."""

from __future__ import annotations

import numpy as np
import pytest

from sim import validation
from sim.cli import main


@pytest.fixture(scope="module")
def quick_rows():
    return validation.run_suite(quick=True)


def test_quick_suite_passes(quick_rows):
    rows = quick_rows
    failed = [f"{r.name}: measured {r.measured}, literature {r.literature}" for r in rows if not r.passed]
    assert not failed, failed
    names = " ".join(r.name for r in rows)
    for needle in ("Nowak & May", "kaleidoscope", "b < 1.8", "b > 2", "Asynchronous", "Death-birth", "Public goods"):
        assert needle in names
    assert "Ishigami" in names
    for row in rows:
        assert row.literature and row.measured and row.tolerance and row.settings


def test_tables(quick_rows):
    rows = quick_rows
    text = validation.text_table(rows)
    assert f"{len(rows)}/{len(rows)} checks pass" in text
    assert text.count("[PASS]") == len(rows)
    md = validation.markdown_table(rows)
    assert md.count("\n") == len(rows) + 1
    assert md.startswith("| # | result | literature value | this project | tolerance | pass | settings |")


def _fake(passed: bool):
    def check(quick: bool) -> list[validation.Check]:
        return [validation.Check("fake", "ref", "1", "1" if passed else "2", "exact", passed, "none")]

    return check


def test_command_exit_status(monkeypatch, capsys):
    monkeypatch.setattr(validation, "CHECKS", (_fake(True),))
    assert main(["validate", "--quick"]) == 0
    assert "1/1 checks pass" in capsys.readouterr().out
    monkeypatch.setattr(validation, "CHECKS", (_fake(True), _fake(False)))
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] fake" in out and "1/2 checks pass" in out
    assert main(["validate", "--markdown"]) == 1
    assert "**FAIL**" in capsys.readouterr().out


def test_threshold_fit_recovers_a_known_root():
    rng = np.random.default_rng(0)
    x = np.array([1.0, 2.0, 3.0, 4.0])
    noise = rng.normal(0.0, 1.0, size=(4, 20_000))
    diff = 0.01 * (x[:, None] - 2.5) + noise
    root, se = validation._threshold_fit(x, diff)
    assert abs(root - 2.5) < 4 * se
    assert 0 < se < 1


def test_ishigami_exact_indices():
    s1, st = validation.ishigami_exact()
    assert s1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)
    assert st == pytest.approx([0.5576, 0.4424, 0.2437], abs=1e-4)


def test_crossing():
    assert validation._crossing(np.array([0.8, 0.9, 1.1, 1.2]), np.array([0.1, 0.3, 0.7, 0.8]), 0.5) == (
        pytest.approx(1.0)
    )
    assert validation._crossing(np.array([1.0, 2.0]), np.array([0.1, 0.2]), 0.5) is None
