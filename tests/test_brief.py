"""The one-page brief that opens an arms report (sim/report/brief.py), and the full report's
rules that keep it free of repetition: a table or sentences, not both; no difference from a
quantity that is 0 by construction; a measure that does not vary said once; intervals of
shares inside [0, 1] (issue 15, part 1)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.report import write_report
from sim.report.brief import answer_of
from sim.sweep import analysis
from tests.test_report import make_arms

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [
    "The question",
    "The answer",
    "The arms ranked",
    "The arms compared with each other",
    "Resilience to the shock",
    "What the result depends on",
]


def _edit(folder: Path, change) -> Path:
    """The arms folder with its runs changed by ``change(runs)`` (and the metric added to the experiment)."""
    runs = pd.read_parquet(folder / "runs.parquet")
    runs, metric = change(runs)
    runs.to_parquet(folder / "runs.parquet")
    manifest = json.loads((folder / "manifest.json").read_text())
    if metric not in manifest["experiment"]["metrics"]:
        manifest["experiment"]["metrics"].append(metric)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _full(folder: Path) -> str:
    """The full report, after the brief."""
    return (folder / "report.md").read_text(encoding="utf-8").split("# Experiment: ", 1)[1]


def test_the_brief_opens_the_report_and_stands_alone(tmp_path):
    folder = make_arms(tmp_path / "arms")
    write_report(folder)
    brief = (folder / "brief.md").read_text(encoding="utf-8")
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert report.startswith(brief)  # the report opens with the brief, word for word
    headings = re.findall(r"^## (.+)$", brief, flags=re.M)
    assert [h for h in headings if h in SECTIONS] == [s for s in SECTIONS if s in headings]
    assert {"The question", "The answer", "The arms ranked", "What the result depends on"} <= set(headings)
    assert "![" in brief and "figures/forest.png" in brief  # one figure
    assert brief.count("![") == 1
    assert "<html" in (folder / "brief.html").read_text(encoding="utf-8")
    assert "@media print" in (folder / "brief.html").read_text(encoding="utf-8")
    # uncalibrated parameters: said plainly
    assert "illustrative" in brief and "not calibrated" in brief
    # the forest plot is the brief's, not repeated in the full report
    assert "figures/forest.png" not in _full(folder)


def test_the_answer_names_the_best_arm_and_whether_the_next_is_distinguishable(tmp_path):
    folder = make_arms(tmp_path / "arms")
    write_report(folder)
    answer = answer_of((folder / "brief.md").read_text(encoding="utf-8"))
    assert 1 <= len(answer) <= 3
    assert answer[0].startswith(
        "The largest gain in mean consumption in the condition “Base” comes with Formal agreement"
    )
    assert "clearly more than with Informal" in answer[0]
    assert answer[1].startswith("The largest fall in poverty rate")

    def tie(runs):  # Informal as good as Formal agreement, up to noise
        formal = runs[runs["arm"] == "formal"].set_index(["condition", "replicate"])["welfare.mean_consumption"]
        mine = runs["arm"] == "informal"
        keys = list(zip(runs.loc[mine, "condition"], runs.loc[mine, "replicate"], strict=True))
        noise = np.random.default_rng(1).normal(0, 0.004, mine.sum())
        runs.loc[mine, "welfare.mean_consumption"] = formal.loc[keys].to_numpy() + noise
        return runs, "welfare.mean_consumption"

    tied = _edit(make_arms(tmp_path / "tied"), tie)
    write_report(tied)
    brief = (tied / "brief.md").read_text(encoding="utf-8")
    assert "cannot be told apart from" in answer_of(brief)[0]
    pairs = brief.split("## The arms compared with each other")[1].split("##")[0]
    assert re.search(r"\| (Formal agreement vs Informal|Informal vs Formal agreement) \| .+ \| no \|", pairs)


def test_a_measure_that_is_zero_by_construction_under_the_reference_is_shown_as_levels(tmp_path):
    def contribution(runs):
        rng = np.random.default_rng(2)
        values = np.where(runs["arm"] == "autarky", 0.0, 0.6 + rng.normal(0, 0.02, len(runs)))
        return runs.assign(**{"cooperation.contribution_rate": values}), "cooperation.contribution_rate"

    folder = _edit(make_arms(tmp_path / "arms"), contribution)
    write_report(folder)
    section = _full(folder).split("### Contribution rate")[1].split("###")[0]
    assert "is 0 in every run by construction" in section
    assert "difference vs No cooperation" not in section and "pp [" not in section
    assert "| Formal agreement | 5 | " in section  # its level, with its interval


def test_a_measure_with_one_value_in_every_run_is_one_sentence(tmp_path):
    def constant(runs):
        return runs.assign(**{"resilience.recovery_steps": 1.0}), "resilience.recovery_steps"

    folder = _edit(make_arms(tmp_path / "arms"), constant)
    write_report(folder)
    full = _full(folder)
    assert "### Recovery time" not in full
    assert full.count("Recovery time is 1 (steps) in every run of every arm, so it does not tell the arms apart.") == 2
    assert "Recovery is counted in whole steps" in full


def test_robustness_rising_while_resistance_falls_is_explained(tmp_path):
    def resilience(runs):
        rng = np.random.default_rng(4)
        formal = (runs["arm"] == "formal").to_numpy()
        runs = runs.assign(
            **{
                "resilience.robustness": np.clip(0.5 + 0.3 * formal + rng.normal(0, 0.02, len(runs)), 0, 1),
                "resilience.resistance": 0.8 - 0.1 * formal + rng.normal(0, 0.01, len(runs)),
            }
        )
        return runs, "resilience.robustness"

    folder = _edit(make_arms(tmp_path / "arms"), resilience)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["experiment"]["metrics"].append("resilience.resistance")
    (folder / "manifest.json").write_text(json.dumps(manifest))
    write_report(folder)
    brief = (folder / "brief.md").read_text(encoding="utf-8")
    assert "Formal agreement: more of the villages hit stay above the poverty line" in brief
    assert "This is not a contradiction" in brief
    plain = make_arms(tmp_path / "plain")  # resistance rises with Formal agreement there: nothing to explain
    write_report(plain)
    assert "not a contradiction" not in (plain / "brief.md").read_text(encoding="utf-8")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=40), st.booleans())
def test_an_interval_of_a_share_stays_inside_0_and_1(values, flag):
    values = np.round(values) if flag else np.array(values)
    n, mean, low, high = analysis.share_ci(values, flag=flag)
    assert n == len(values)
    assert 0.0 <= low <= mean + 1e-12 and mean - 1e-12 <= high <= 1.0


def test_the_arm_table_of_a_share_near_1_ends_at_or_below_1(tmp_path):
    """A plain t interval of these robustness shares ends above 1 (the report's old 0.96 [0.91, 1.01])."""
    shares = np.array([0.99, 0.97, 0.9, 1.0, 0.85, 0.99, 1.0, 0.98])
    assert analysis.mean_ci(shares)[3] > 1.0
    runs = pd.DataFrame(
        {"arm": ["a"] * 8 + ["b"] * 8, "replicate": list(range(8)) * 2, "resilience.robustness": [*shares, *shares]}
    )
    table = analysis.paired_comparison(runs, "resilience.robustness", "a", group_cols=())
    assert (table["ci_high"] <= 1.0).all() and (table["ci_low"] >= 0.0).all()
    assert math.isclose(table["mean"].iloc[0], shares.mean())


def test_the_terminal_gets_the_answer_one_sentence_per_line(tmp_path):
    folder = make_arms(tmp_path / "arms")
    write_report(folder)
    from sim.cli import _headline

    lines = _headline(folder)
    assert lines == answer_of((folder / "brief.md").read_text(encoding="utf-8"))
    assert all(line.endswith(".") for line in lines)


@pytest.mark.parametrize("brief", ["results/partnership_forms/brief.html"])
def test_the_committed_brief_prints_on_two_a4_pages_at_most(brief):
    """Printed by headless Chromium with the brief's print stylesheet (benchmarks/print_brief.py)."""
    from tests.test_app import _require_browser

    _require_browser()
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from print_brief import print_pages

    pages = print_pages(ROOT / brief)
    assert 1 <= pages <= 2, f"{brief} prints on {pages} A4 pages"


def test_money_is_also_written_in_the_scenario_s_currency(tmp_path):
    """A base scenario whose economy.currency is money ("IDR million", poverty line 30) gets each
    arm's mean consumption also in it; one in poverty-line units does not."""
    folder = make_arms(tmp_path / "arms")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["base_scenario"] = {"parameters": {"economy.currency": "IDR million", "economy.poverty_line": 30.0}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    write_report(folder)
    runs = pd.read_parquet(folder / "runs.parquet")
    mean = runs[(runs["arm"] == "formal") & (runs["condition"] == "base")]["welfare.mean_consumption"].mean()
    assert f"(IDR {30 * mean:.1f} million) |" in _full(folder)
    plain = make_arms(tmp_path / "plain")
    write_report(plain)
    assert "million)" not in _full(plain)
