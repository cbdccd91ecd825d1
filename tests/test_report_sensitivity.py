"""Sobol and Morris reports (sim/report/sensitivity.py) on the Ishigami function."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from sim.report import write_report
from tests.test_report import ISHIGAMI_NAMES, check_common, make_morris, make_sobol

INTERVAL = r"−?\d+\.\d+ \[−?\d+\.\d+, −?\d+\.\d+\]"  # an index and its interval, as printed


def index_rows(md: str, header: str) -> list[str]:
    """The rows of the first table whose header starts with ``header``."""
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header)) + 2
    return [line for line in lines[start:] if line.startswith("| ")][: len(ISHIGAMI_NAMES)]


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
    assert "| parameter | μ\\* [95 % CI] | σ [95 % CI] | μ [95 % CI] |" in md
    rows = index_rows(md, "| parameter | μ")
    assert len(rows) == 3 and all(len(re.findall(INTERVAL, row)) == 3 for row in rows)


def test_morris_report_with_rounded_integer_parameter(tmp_path):
    exact = make_morris(tmp_path / "exact")
    rounded = make_morris(tmp_path / "rounded", rounded=(2,))
    write_report(exact)
    write_report(rounded)
    table = lambda folder: [line for line in (folder / "report.md").read_text().splitlines() if line.startswith("| x")]  # noqa: E731
    assert table(rounded) == table(exact)  # SALib reads only the direction of each step
    assert "Integer parameters (x3) ran with rounded values" in (rounded / "report.md").read_text()
    assert "Integer parameters" not in (exact / "report.md").read_text()


def test_every_sobol_index_has_its_interval(tmp_path):
    md = (write_report(make_sobol(tmp_path / "sobol"))[-2]).read_text()
    rows = index_rows(md, "| parameter | S1")
    assert len(rows) == 3 and all(len(re.findall(INTERVAL, row)) == 2 for row in rows)


@pytest.mark.parametrize(("n", "warned"), [(8, True), (1024, False)])
def test_a_small_sobol_sample_is_flagged_in_plain_words(tmp_path, n, warned):
    """N = 8 of the Ishigami function: the report says the sample is too small, which check
    fired and what to do; N = 1024 (indices within a few hundredths of the analytic ones): no warning."""
    folder = make_sobol(tmp_path / "sobol", n=n)
    write_report(folder)
    md = (folder / "report.md").read_text()
    caution = "Caution: these Sobol indices rest on too small a sample (N = 8) to be read as results."
    assert (caution in md) is warned
    assert ("the interval of ST is wider than ST itself" in md) is warned
    assert ("What to do: set samples = " in md) is warned
    assert "Caution" not in md or warned
    if warned:  # one paragraph, before the table it warns about
        paragraph = next(line for line in md.splitlines() if line.startswith("Caution"))
        assert "What to do: set samples = 128 in the experiment file" in paragraph
        assert md.index(paragraph) < md.index("| parameter | S1")


@pytest.mark.parametrize(("trajectories", "warned"), [(4, True), (100, False)])
def test_a_small_morris_sample_is_flagged(tmp_path, trajectories, warned):
    folder = make_morris(tmp_path / "morris", trajectories=trajectories)
    write_report(folder)
    md = (folder / "report.md").read_text()
    assert ("Caution: this Morris screening rests on too few trajectories (4)" in md) is warned
    assert ("Morris screening needs at least 10 trajectories to rank parameters; this one has 4." in md) is warned
    assert "Caution" not in md or warned


def test_the_ranges_table_shows_each_distribution(tmp_path):
    folder = make_sobol(tmp_path / "sobol")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["experiment"]["ranges"] = {
        "x1": {"dist": "normal", "mean": 0.0, "sd": 1.0},
        "x2": {"dist": "triangular", "low": -3.0, "mode": 0.0, "high": 3.0},
        "x3": {"dist": "discrete", "values": [1, 2, 4]},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    write_report(folder)
    md = (folder / "report.md").read_text()
    assert "| parameter | distribution | low | high |" in md
    assert "| x1 | normal (mean 0, sd 1) | −3.09023 | 3.09023 |" in md  # its 0.1 % and 99.9 % quantiles
    assert "| x2 | triangular (mode 0) | −3 | 3 |" in md
    assert "| x3 | one of 1, 2, 4, equally likely | 1 | 4 |" in md
    assert "low and high are its distribution's 0.1 % and 99.9 % quantiles" in md
    assert [row.split(" | ")[0] for row in index_rows(md, "| parameter | S1")] == ["| x1", "| x2", "| x3"]
