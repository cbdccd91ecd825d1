"""The arms report (sim/report/arms.py): tables, readings and figures per condition."""

from __future__ import annotations

import json
import re

import pandas as pd

from sim.report import write_report
from tests.test_report import ARMS, CONDITIONS, check_common, make_arms


def test_arms_report(tmp_path):
    folder = make_arms(tmp_path / "arms")
    written = write_report(folder)
    md, page = check_common(folder, written)
    names = {p.name for p in written if p.suffix == ".png"}
    assert {"forest.png", "timeseries_base.png", "timeseries_drought.png"} <= names
    assert {"resilience_base.png", "resilience_drought.png"} <= names
    assert "paired by replicate" in md and "same villages and the same shocks" in md
    assert "## Condition: Severe drought in year 5" in md
    # a table row per arm, per condition and metric
    for _, label, _ in ARMS:
        rows = [line for line in md.splitlines() if line.startswith(f"| {label} | ")]
        assert len(rows) == len(CONDITIONS) * 4
    assert "| No cooperation | 5 | " in md and "| reference |" in md
    # the table is the reading: no sentence repeats a row of it
    assert "raises mean consumption by" not in md and "makes no clear difference" not in md
    # recovery time is missing for runs that never recovered: 3 of the 5 runs per arm have one
    recovery = md.split("### Recovery time (steps)")[1].split("###")[0]
    assert "| Formal agreement | 3 | " in recovery
    # the report opens with the brief, which is also written alone
    assert md.startswith("# Brief: partnership_forms")
    assert (folder / "brief.md").read_text() in md and "Brief: partnership_forms" in page
    assert "The largest gain in mean consumption" in md


def test_arms_report_without_conditions_or_timeseries(tmp_path):
    folder = make_arms(tmp_path / "arms")
    runs = pd.read_parquet(folder / "runs.parquet")
    runs = runs[runs["condition"] == "base"].assign(condition=None)
    runs.to_parquet(folder / "runs.parquet")
    for path in (folder / "timeseries").iterdir():
        path.unlink()
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["experiment"]["conditions"] = []
    (folder / "manifest.json").write_text(json.dumps(manifest))
    written = write_report(folder)
    md, _ = check_common(folder, written)
    assert [p.name for p in written if p.suffix == ".png"] == ["forest.png"]
    assert "Condition:" not in md
    full = md.split("# Experiment: ")[1]  # the full report, after the brief
    assert len([line for line in full.splitlines() if line.startswith("| Formal agreement | ")]) == 4


def test_an_arm_compared_with_the_arm_it_changes_gets_a_components_section(tmp_path):
    """An arm naming the arm it changes one thing of (``compare_with``) is also read against
    that arm, paired by replicate: the decomposition of form_decomposition.toml. Without any
    such arm the section is absent (test_arms_report)."""
    folder = make_arms(tmp_path / "arms")
    manifest = json.loads((folder / "manifest.json").read_text())
    for arm in manifest["experiment"]["arms"]:
        if arm["name"] == "informal":
            arm["compare_with"] = "formal"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    md, _ = check_common(folder, write_report(folder))
    assert "## Components: each change against the arm it changes" in md
    rows = [line for line in md.splitlines() if line.startswith("| Informal | Formal agreement | ")]
    assert len(rows) == len(CONDITIONS) * 4  # per condition and metric
    assert all(re.search(r"\| −?[\d.]+ % \[−?[\d.]+, −?[\d.]+\] \|", row) for row in rows[:2]), rows
    assert "Components:" not in check_common(make_arms(tmp_path / "plain"), write_report(tmp_path / "plain"))[0]


def _decomposed(folder):
    """The arms folder with Informal marked as a change of Formal agreement."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for arm in manifest["experiment"]["arms"]:
        if arm["name"] == "informal":
            arm["compare_with"] = "formal"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_the_components_section_says_what_each_arms_effect_rests_on(tmp_path):
    """One sentence per base arm and condition: its effect against the reference, the change
    that moves it most, and the changed arm's own effect against the reference."""
    md, _ = check_common(folder := _decomposed(make_arms(tmp_path / "arms")), write_report(folder))
    sentences = [line for line in md.splitlines() if line.startswith("- Formal agreement: mean consumption ")]
    assert len(sentences) == len(CONDITIONS)
    pattern = (
        r"- Formal agreement: mean consumption −?[\d.]+ % \[−?[\d.]+, −?[\d.]+\] against No cooperation\. Of the "
        r"changes tried one at a time, Informal moves it most: −?[\d.]+ % \[.+\] against Formal agreement, to "
        r"−?[\d.]+ % \[.+\] against No cooperation\."
    )
    assert all(re.fullmatch(pattern, s) for s in sentences), sentences


def test_an_experiment_explained_by_another_reads_its_results_beside_it(tmp_path):
    """``explained_by`` names the decomposition: its sentences appear in this report, read
    from the folder of that name beside this one; missing or damaged, the report says so and stands."""
    decomposition = _decomposed(make_arms(tmp_path / "decomp"))
    manifest = json.loads((decomposition / "manifest.json").read_text())
    manifest["experiment"]["name"] = "decomp"
    (decomposition / "manifest.json").write_text(json.dumps(manifest))
    main = make_arms(tmp_path / "main")
    manifest = json.loads((main / "manifest.json").read_text())
    manifest["experiment"]["explained_by"] = "decomp"
    (main / "manifest.json").write_text(json.dumps(manifest))
    md, _ = check_common(main, write_report(main))
    assert "## What the effects rest on (from the experiment decomp)" in md
    assert "another experiment, 'decomp' (../decomp: " in md
    assert len([line for line in md.splitlines() if line.startswith("- Formal agreement: mean consumption ")]) == 2
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    md, _ = check_common(main, write_report(main, beside=elsewhere))  # the demo's staging folder: told where
    assert "but ../decomp holds no results of it: run `kerjasama sweep experiments/decomp.toml`" in md
    (decomposition / "runs.parquet").write_bytes(b"not parquet")
    md, _ = check_common(main, write_report(main))
    assert "its results in ../decomp cannot be read: " in md and "runs.parquet: cannot read" in md
