"""The reference-result suite (`kerjasama validate`, sim/validation/suite.py): every check passes with
the quick settings; the tables; the command's exit status."""

from __future__ import annotations

import pytest

from sim import validation
from sim.cli import main
from sim.validation import suite


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
    monkeypatch.setattr(suite, "CHECKS", (_fake(True),))
    assert main(["validate", "--quick"]) == 0
    assert "1/1 checks pass" in capsys.readouterr().out
    monkeypatch.setattr(suite, "CHECKS", (_fake(True), _fake(False)))
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] fake" in out and "1/2 checks pass" in out
    assert main(["validate", "--markdown"]) == 1
    assert "**FAIL**" in capsys.readouterr().out
