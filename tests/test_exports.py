"""The report's exports (sim/report/exports.py): estimates.csv / estimates.parquet hold the
report's numbers unrounded, tables.xlsx its tables, and a missing openpyxl costs one line."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pandas as pd
import pytest

from sim.report import write_report
from sim.report.exports import P_FORMAT
from sim.report.wording import column_decimals, decimals, interval, number, p_value
from sim.sweep import analysis
from sim.sweep.orchestrate import run_sweep
from sim.sweep.runner import Execution
from tests.test_report import ARMS, CONDITIONS, make_arms, make_grid, make_lhs, make_sobol
from tests.test_sweep import experiment

LABELS = {name: label for name, label, _ in ARMS}
METRICS = ["welfare.mean_consumption", "welfare.poverty_rate", "resilience.recovery_steps", "resilience.recovered"]
NUMBERS = ["value", "low", "high", "relative", "relative_low", "relative_high", "p_value"]


def decomposed(folder):
    """The arms folder with Informal marked as a change of Formal agreement (``compare_with``)."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for arm in manifest["experiment"]["arms"]:
        if arm["name"] == "informal":
            arm["compare_with"] = "formal"
    manifest["finished"] = "2026-11-28T10:00:00+00:00"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture(scope="module")
def arms(tmp_path_factory):
    """An arms folder with its report written: (folder, files written, report.md, estimates.csv)."""
    folder = decomposed(make_arms(tmp_path_factory.mktemp("exports") / "arms"))
    written = write_report(folder)
    return folder, written, (folder / "report.md").read_text(), pd.read_csv(folder / "estimates.csv")


def one(table: pd.DataFrame, **keys) -> dict:
    rows = table
    for key, value in keys.items():
        rows = rows[rows[key] == value]
    assert len(rows) == 1, keys
    return rows.iloc[0].to_dict()


def test_the_exports_are_written_before_the_reports_and_atomically(arms):
    folder, written, _, _ = arms
    names = [p.name for p in written if p.suffix != ".png"]
    assert names == [
        "estimates.csv",
        "estimates.parquet",
        "tables.xlsx",
        "brief.md",
        "brief.html",
        "report.md",
        "report.html",
    ]
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_every_row_is_the_paired_comparison_the_report_reads(arms):
    """Exactly the numbers of ``analysis.paired_comparison`` (no rounding, no other statistics):
    every arm's estimate and every difference against the reference, per condition and measure."""
    folder, _, _, csv = arms
    runs = pd.read_parquet(folder / "runs.parquet")
    for metric in METRICS:
        table = analysis.paired_comparison(runs, metric, "autarky", confidence=0.95, arm_labels=LABELS)
        for row in table.to_dict("records"):
            where = {"metric": metric, "arm": row["arm"], "condition": row["condition"]}
            got = one(csv, kind="estimate", **where)
            assert (got["value"], got["low"], got["high"], got["n"]) == (
                row["mean"],
                row["ci_low"],
                row["ci_high"],
                row["n"],
            )
            assert got["interval_method"] == analysis.level_method(metric) and got["confidence"] == 0.95
            if not row["scale"]:
                assert csv[(csv["kind"] == "difference") & (csv["arm"] == "autarky")].empty
                continue
            got = one(csv, kind="difference", comparison="reference", **where)
            assert got["reference"] == "autarky" and got["reference_label"] == "No cooperation"
            assert (got["value"], got["low"], got["high"]) == (row["diff"], row["diff_low"], row["diff_high"])
            assert got["n"] == row["n_pairs"] and got["scale"] == row["scale"]
            assert got["p_value"] == row["p_value"] or (math.isnan(got["p_value"]) and math.isnan(row["p_value"]))
            if row["scale"] == "absolute":
                assert math.isnan(got["relative"])
            else:
                assert (got["relative"], got["relative_low"], got["relative_high"]) == (
                    row["rel"],
                    row["rel_low"],
                    row["rel_high"],
                )
    assert len(csv[csv["kind"] == "estimate"]) == len(ARMS) * len(CONDITIONS) * len(METRICS)
    assert len(csv[csv["comparison"] == "reference"]) == (len(ARMS) - 1) * len(CONDITIONS) * len(METRICS)
    assert (csv.loc[csv["metric"] == "welfare.poverty_rate", "unit"] != "").all()


def test_the_numbers_print_as_the_report_prints_them(arms):
    """The report's own formatting of the exported numbers is what report.md says: a mean of its
    table, a relative difference and a difference in percentage points of the brief's ranking, a p-value."""
    _, _, md, csv = arms
    base = csv[(csv["condition"] == "base") & (csv["metric"] == "welfare.mean_consumption")]
    estimates = base[base["kind"] == "estimate"]
    d = column_decimals(list(zip(estimates["value"], estimates["low"], estimates["high"], strict=True)))
    formal = one(estimates, arm="formal")
    assert f"| Formal agreement | 5 | {interval(formal['value'], formal['low'], formal['high'], digits=d)} | " in md
    rise = one(base, kind="difference", arm="formal")
    lo, hi = rise["relative_low"], rise["relative_high"]
    digits = decimals(rise["relative"], lo, hi, 1)
    assert (
        f"| Formal agreement | {number(rise['relative'], digits)} % [{number(lo, digits)}, {number(hi, digits)}] |"
        in md
    )
    assert f"| {p_value(rise['p_value'])} |" in md
    fall = one(csv, kind="difference", arm="formal", condition="drought", metric="welfare.poverty_rate")
    assert fall["scale"] == "points"
    amount, low, high = 100 * fall["value"], 100 * fall["low"], 100 * fall["high"]
    digits = decimals(amount, low, high, 1)
    assert f"{number(amount, digits)} pp [{number(low, digits)}, {number(high, digits)}] |" in md


def test_the_components_are_the_report_s_components(arms):
    """Informal against Formal agreement (its ``compare_with``), as the Components section reads it."""
    _, _, md, csv = arms
    components = csv[csv["comparison"] == "compare_with"]
    assert set(components["arm"]) == {"informal"} and set(components["reference"]) == {"formal"}
    assert len(components) == len(CONDITIONS) * len(METRICS)
    row = one(components, condition="drought", metric="welfare.mean_consumption")
    diff = interval(row["value"], row["low"], row["high"], 1.0, "", 3)
    rel = interval(row["relative"], row["relative_low"], row["relative_high"], 1.0, "percent", 1)
    assert f"| Informal | Formal agreement | Severe drought in year 5 | 5 | {diff} | {rel} |" in md


def test_parquet_holds_the_csv_rows(arms):
    folder, _, _, csv = arms
    parquet = pd.read_parquet(folder / "estimates.parquet")
    assert list(parquet.columns) == list(csv.columns) and len(parquet) == len(csv)
    for column in NUMBERS:
        np.testing.assert_array_equal(parquet[column].to_numpy(float), csv[column].to_numpy(float))
    assert (parquet["metric_label"].to_numpy() == csv["metric_label"].to_numpy()).all()
    assert parquet["n"].dtype == np.int64


def test_the_workbook_holds_the_tables_as_numbers(arms):
    openpyxl = pytest.importorskip("openpyxl")
    folder, _, _, csv = arms
    book = openpyxl.load_workbook(folder / "tables.xlsx")
    assert book.sheetnames == ["README", "Estimates", "Differences", "Components"]
    sheets = {name: list(book[name].iter_rows()) for name in book.sheetnames}
    for name in ("Estimates", "Differences", "Components"):
        assert book[name].freeze_panes == "A2"
        assert all(book[name].column_dimensions[c].width >= 8 for c in "ABCDEFGH")
    header = [c.value for c in sheets["Differences"][0]]
    assert header[:9] == [
        "condition",
        "arm",
        "against",
        "measure",
        "unit",
        "pairs",
        "difference",
        "low (95 %)",
        "high (95 %)",
    ]
    rows = [dict(zip(header, r, strict=True)) for r in sheets["Differences"][1:]]
    want = csv[csv["comparison"] == "reference"]
    assert len(rows) == len(want)
    for cells, (_, row) in zip(rows, want.iterrows(), strict=True):
        assert cells["arm key"].value == row["arm"] and cells["measure key"].value == row["metric"]
        assert cells["pairs"].data_type == "n" and cells["pairs"].value == row["n"]
        for column, key in (("difference", "value"), ("low (95 %)", "low"), ("p (paired t)", "p_value")):
            if math.isnan(row[key]):
                assert cells[column].value is None
            else:
                assert cells[column].data_type == "n" and cells[column].value == pytest.approx(row[key], rel=1e-14)
        assert cells["p (paired t)"].value is None or cells["p (paired t)"].number_format == P_FORMAT
        digits = decimals(row["value"], row["low"], row["high"])
        assert cells["difference"].number_format == ("0" if digits == 0 else "0." + "0" * digits)
    readme = {(r[0].value, r[1].value): r[2].value for r in sheets["README"][1:]}
    assert readme[("README", "experiment")] == "partnership_forms" and readme[("README", "git commit")] == "abc123"
    assert readme[("README", "finished")] == "2026-11-28T10:00:00+00:00"
    assert "replicate noise only" in readme[("README", "intervals")]
    assert "not parameter uncertainty" in readme[("README", "intervals")]
    assert "illustrative and uncalibrated" in readme[("README", "illustrative")]
    for name in ("Estimates", "Differences", "Components"):  # every column of every sheet is explained
        assert all(readme.get((name, c.value)) for c in sheets[name][0])
    assert all(readme.get(("estimates.csv and estimates.parquet", c)) for c in csv.columns)


def test_the_same_results_give_the_same_bytes(arms, tmp_path):
    pytest.importorskip("openpyxl")
    folder = decomposed(make_arms(tmp_path / "again"))
    write_report(folder)
    for name in ("estimates.csv", "estimates.parquet", "tables.xlsx"):
        assert (folder / name).read_bytes() == (arms[0] / name).read_bytes(), name


def test_without_openpyxl_the_rest_is_written_and_one_line_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    pytest.importorskip("openpyxl")
    folder = make_arms(tmp_path / "arms")
    write_report(folder)
    assert (folder / "tables.xlsx").exists()
    capsys.readouterr()
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl raises ImportError
    written = write_report(folder)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "tables.xlsx not written" in lines[0]
    assert "pip install 'kerjasama[excel]'" in lines[0]
    assert not (folder / "tables.xlsx").exists()  # the earlier report's workbook is gone, not left stale
    assert [p.name for p in written if p.suffix != ".png"] == [
        "estimates.csv",
        "estimates.parquet",
        "brief.md",
        "brief.html",
        "report.md",
        "report.html",
    ]


def test_an_export_that_fails_half_way_leaves_the_earlier_file_and_no_temporary_one(tmp_path, monkeypatch):
    folder = make_arms(tmp_path / "arms")
    write_report(folder)
    before = (folder / "estimates.parquet").read_bytes()

    def dies_half_way(frame, path, **options):
        path.write_bytes(before[:100])
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", dies_half_way)
    with pytest.raises(OSError, match="disk full"):
        write_report(folder)
    assert (folder / "estimates.parquet").read_bytes() == before
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_without_conditions_the_sheets_have_no_condition_column(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    folder = make_arms(tmp_path / "arms")
    runs = pd.read_parquet(folder / "runs.parquet")
    runs[runs["condition"] == "base"].assign(condition=None).to_parquet(folder / "runs.parquet")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["experiment"]["conditions"] = []
    (folder / "manifest.json").write_text(json.dumps(manifest))
    write_report(folder)
    csv = pd.read_csv(folder / "estimates.csv")
    assert csv["condition"].isna().all() and len(csv[csv["kind"] == "estimate"]) == len(ARMS) * len(METRICS)
    book = openpyxl.load_workbook(folder / "tables.xlsx")
    assert book.sheetnames == ["README", "Estimates", "Differences"]
    assert next(book["Estimates"].iter_rows(values_only=True))[:2] == ("arm", "measure")


def test_grid_and_lhs_export_their_main_table_and_sobol_none(tmp_path):
    grid = make_grid(tmp_path / "grid")
    write_report(grid)
    means = pd.read_csv(grid / "estimates.csv")
    runs = pd.read_parquet(grid / "runs.parquet")
    cell = runs[(runs["forms.formal.enforcement"] == 0.5) & (runs["behaviour.initial_trust"] == 0.9)]
    got = one(means, metric="welfare.poverty_rate", **{"forms.formal.enforcement": 0.5, "behaviour.initial_trust": 0.9})
    assert (got["n"], got["value"], got["low"], got["high"]) == analysis.mean_ci(cell["welfare.poverty_rate"])
    assert len(means) == 12 * 2
    lhs = make_lhs(tmp_path / "lhs")
    write_report(lhs)
    corr = pd.read_csv(lhs / "estimates.csv")
    points = analysis.point_means(
        pd.read_parquet(lhs / "runs.parquet"), ["forms.formal.enforcement", "cooperation.mean_trust"]
    )
    rho = one(corr, factor="forms.formal.enforcement", metric="welfare.mean_consumption")
    assert rho["kind"] == "rank_correlation" and rho["n"] == len(points) == 16 and rho["value"] > 0.9
    sobol = make_sobol(tmp_path / "sobol")
    write_report(sobol)
    assert not list(sobol.glob("estimates.*")) and not (sobol / "tables.xlsx").exists()


def test_a_sweep_writes_its_exports_beside_its_report(tmp_path):
    folder = run_sweep(
        experiment(tmp_path, replicates=2, steps=4, villages=20),
        execution=Execution(workers=1),
        out=tmp_path / "out",
        progress=False,
    )
    csv = pd.read_csv(folder / "estimates.csv")
    assert set(csv["arm"]) == {"alone", "formal"} and set(csv["condition"]) == {"drought"}
    assert set(csv["metric"]) == {"welfare.mean_consumption", "resilience.resistance"}
    row = one(csv, kind="difference", metric="welfare.mean_consumption")
    assert row["reference_label"] == "No cooperation" and row["n"] == 2
    assert row["unit"] == "poverty lines per household"
