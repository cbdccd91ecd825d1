"""Sobol and Morris reports (sim/report/sensitivity.py) on the Ishigami function."""

from __future__ import annotations

import pandas as pd

from sim.report import write_report
from tests.test_report import ISHIGAMI_NAMES, check_common, make_morris, make_sobol


def test_sobol_report(tmp_path):
    folder = make_sobol(tmp_path / "sobol")
    written = write_report(folder)
    md, _ = check_common(folder, written)
    assert "sobol_welfare_mean_consumption.png" in {p.name for p in written}
    assert "| parameter | S1 [95 % CI] | ST [95 % CI] |" in md
    for name in ISHIGAMI_NAMES:
        assert any(line.startswith(f"| {name} | ") and "[" in line for line in md.splitlines())


def test_sobol_report_incomplete_sweep(tmp_path):
    folder = make_sobol(tmp_path / "sobol")
    runs = pd.read_parquet(folder / "runs.parquet")
    runs.iloc[:-3].to_parquet(folder / "runs.parquet")
    written = write_report(folder)
    assert (folder / "report.html").exists() and written[-1] == folder / "report.html"
    assert "cannot be computed until the sweep is complete" in (folder / "report.md").read_text()


def test_morris_report(tmp_path):
    folder = make_morris(tmp_path / "morris")
    written = write_report(folder)
    md, _ = check_common(folder, written)
    assert "morris_welfare_gini.png" in {p.name for p in written}
    assert "| parameter | μ\\* [95 % CI] | σ | μ |" in md


def test_morris_report_with_rounded_integer_parameter(tmp_path):
    exact = make_morris(tmp_path / "exact")
    rounded = make_morris(tmp_path / "rounded", rounded=(2,))
    write_report(exact)
    write_report(rounded)
    table = lambda folder: [line for line in (folder / "report.md").read_text().splitlines() if line.startswith("| x")]  # noqa: E731
    assert table(rounded) == table(exact)  # SALib reads only the direction of each step
    assert "Integer parameters (x3) ran with rounded values" in (rounded / "report.md").read_text()
    assert "Integer parameters" not in (exact / "report.md").read_text()
