"""The sweep report (sim/report/experiment.py) on small hand-made results folders (docs/experiments.md
layout); the folder makers and the checks every report passes, shared by tests/test_report_*.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

from sim.report import write_report

ARMS = [("autarky", "No cooperation", 0.0), ("formal", "Formal agreement", 0.05), ("informal", "Informal", 0.0)]
CONDITIONS = [("base", "Base"), ("drought", "Severe drought in year 5")]
REPLICATES = 5
STEPS = 10
SEED = 20261128


def _run_id(point: int, replicate: int) -> str:
    return f"p{point:04d}-r{replicate:03d}"


def _write(folder: Path, runs: list[dict], experiment: dict, timeseries: dict[str, pd.DataFrame] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(runs).sort_values("run_id").reset_index(drop=True).to_parquet(folder / "runs.parquet")
    for run_id, frame in (timeseries or {}).items():
        (folder / "timeseries").mkdir(exist_ok=True)
        frame.to_parquet(folder / "timeseries" / f"{run_id}.parquet")
    manifest = {"experiment": experiment, "git_commit": "abc123", "executor": "local"}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _experiment(name: str, design: str, metrics: list[str], **extra) -> dict:
    return {
        "name": name,
        "description": f"A small {design} experiment for the tests",
        "scenario": "default",
        "design": design,
        "metrics": metrics,
        "replicates": REPLICATES,
        "seed": SEED,
        "steps": STEPS,
        "reference": None,
        "arms": [],
        "conditions": [],
        **extra,
    }


def make_arms(folder: Path) -> Path:
    rng = np.random.default_rng(3)
    runs, series = [], {}
    point = 0
    for arm, _, effect in ARMS:
        for condition, _ in CONDITIONS:
            for r in range(REPLICATES):
                run_id = _run_id(point, r)
                village = 1.2 + 0.1 * np.sin(r)  # what replicate r shares across arms
                runs.append(
                    {
                        "run_id": run_id,
                        "point": point,
                        "arm": arm,
                        "condition": condition,
                        "replicate": r,
                        "seed": 1000 + r,
                        "welfare.mean_consumption": village * (1 + effect) + rng.normal(0, 0.004),
                        "welfare.poverty_rate": 0.3 - effect + rng.normal(0, 0.005),
                        "resilience.resistance": 0.8 + effect + rng.normal(0, 0.01),
                        "resilience.loss": 0.2 - effect + rng.normal(0, 0.01),
                        "resilience.recovered": bool(r % 3),
                        "resilience.recovery_steps": None if r % 3 == 0 else float(r % 3),
                    }
                )
                steps = np.arange(STEPS + 1)
                counterfactual = village + 0.01 * steps
                hit = np.where(steps >= 5, 0.2 * np.exp(-(steps - 5) / 2.0) * (1 - 5 * effect), 0.0)
                series[run_id] = pd.DataFrame(
                    {
                        "run_id": run_id,
                        "step": steps,
                        "mean_consumption": counterfactual * (1 + effect) + rng.normal(0, 0.01, steps.size),
                        "poverty_rate": 0.3 - effect + rng.normal(0, 0.01, steps.size),
                        "participation_agriculture": np.minimum(1.0, 0.08 * steps) * (effect > 0),
                        "participation_services": np.minimum(1.0, 0.05 * steps) * (effect > 0),
                        "mean_trust": 0.5 + 0.01 * steps,
                        "affected_mean_consumption": counterfactual - hit,
                        "counterfactual_affected_mean_consumption": counterfactual,
                    }
                )
            point += 1
    experiment = _experiment(
        "partnership_forms",
        "arms",
        ["welfare.mean_consumption", "welfare.poverty_rate", "resilience.recovery_steps", "resilience.recovered"],
        reference="autarky",
        arms=[{"name": a, "label": label} for a, label, _ in ARMS],
        conditions=[{"name": c, "label": label} for c, label in CONDITIONS],
    )
    _write(folder, runs, experiment, series)
    return folder


def make_grid(folder: Path) -> Path:
    a_values, b_values = [0.0, 0.5, 1.0], [0.1, 0.5, 0.9, 1.3]
    rng = np.random.default_rng(4)
    runs, point = [], 0
    for a in a_values:
        for b in b_values:
            for r in range(2):
                runs.append(
                    {
                        "run_id": _run_id(point, r),
                        "point": point,
                        "arm": None,
                        "condition": None,
                        "forms.formal.enforcement": a,
                        "behaviour.initial_trust": b,
                        "replicate": r,
                        "seed": r,
                        "welfare.mean_consumption": 1.0 + 0.2 * a * b + rng.normal(0, 0.01),
                        "welfare.poverty_rate": 0.4 - 0.1 * a * b + rng.normal(0, 0.01),
                    }
                )
            point += 1
    experiment = _experiment(
        "trust_grid",
        "grid",
        ["welfare.mean_consumption", "welfare.poverty_rate"],
        replicates=2,
        factors={"forms.formal.enforcement": a_values, "behaviour.initial_trust": b_values},
    )
    _write(folder, runs, experiment)
    return folder


ISHIGAMI_NAMES = ["x1", "x2", "x3"]
ISHIGAMI_BOUNDS = [[-np.pi, np.pi]] * 3


def make_sobol(folder: Path, n: int = 64, second_order: bool = False) -> Path:
    problem = {"num_vars": 3, "names": ISHIGAMI_NAMES, "bounds": ISHIGAMI_BOUNDS}
    X = sobol_sample.sample(problem, n, calc_second_order=second_order, seed=SEED)
    Y = Ishigami.evaluate(X)
    runs = [
        {
            "run_id": _run_id(i, 0),
            "point": i,
            "arm": None,
            "condition": None,
            **dict(zip(ISHIGAMI_NAMES, x, strict=True)),
            "replicate": 0,
            "seed": 5,
            "welfare.mean_consumption": y,
        }
        for i, (x, y) in enumerate(zip(X, Y, strict=True))
    ]
    experiment = _experiment(
        "ishigami_sobol",
        "sobol",
        ["welfare.mean_consumption"],
        replicates=1,
        samples=n,
        calc_second_order=second_order,
        ranges=dict(zip(ISHIGAMI_NAMES, ISHIGAMI_BOUNDS, strict=True)),
    )
    _write(folder, runs, experiment)
    return folder


def make_morris(folder: Path, trajectories: int = 12, rounded: tuple[int, ...] = ()) -> Path:
    problem = {"num_vars": 3, "names": ISHIGAMI_NAMES, "bounds": ISHIGAMI_BOUNDS}
    X = morris_sample.sample(problem, trajectories, num_levels=4, seed=SEED)
    Y = Ishigami.evaluate(X)
    for column in rounded:  # an integer parameter: the sweep stores the rounded value it ran with
        X[:, column] = np.round(X[:, column])
    runs = [
        {"run_id": _run_id(i, 0), "point": i, **dict(zip(ISHIGAMI_NAMES, x, strict=True)), "welfare.gini": y}
        for i, (x, y) in enumerate(zip(X, Y, strict=True))
    ]
    experiment = _experiment(
        "ishigami_morris",
        "morris",
        ["welfare.gini"],
        replicates=1,
        samples=trajectories,
        num_levels=4,
        ranges=dict(zip(ISHIGAMI_NAMES, ISHIGAMI_BOUNDS, strict=True)),
    )
    _write(folder, runs, experiment)
    return folder


def make_lhs(folder: Path) -> Path:
    rng = np.random.default_rng(5)
    runs = []
    for point in range(16):
        a, b = rng.uniform(0, 1), rng.uniform(0, 10)
        for r in range(2):
            runs.append(
                {
                    "run_id": _run_id(point, r),
                    "point": point,
                    "forms.formal.enforcement": a,
                    "forms.formal.setup_cost": b,
                    "replicate": r,
                    "seed": r,
                    "welfare.mean_consumption": 1.0 + 0.5 * a + rng.normal(0, 0.01),
                    "cooperation.mean_trust": 0.5 + rng.normal(0, 0.05),
                }
            )
    experiment = _experiment(
        "lhs_screen",
        "lhs",
        ["welfare.mean_consumption", "cooperation.mean_trust"],
        replicates=2,
        samples=16,
        ranges={"forms.formal.enforcement": [0.0, 1.0], "forms.formal.setup_cost": [0.0, 10.0]},
    )
    _write(folder, runs, experiment)
    return folder


def check_common(folder: Path, written: list[Path]) -> tuple[str, str]:
    md_path, html_path = folder / "report.md", folder / "report.html"
    assert md_path in written and html_path in written
    assert written[-2:] == [md_path, html_path]  # figures first, then the reports
    figures = [p for p in written if p.suffix == ".png"]
    assert figures, "no figures written"
    for path in written:
        assert path.exists() and path.stat().st_size > 0
    assert not list(folder.rglob("*.tmp")), "temporary files left behind"
    md, page = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    # self-contained HTML: every figure embedded, nothing fetched from anywhere
    assert page.count("data:image/png;base64,") == len(figures)
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower()
    assert "<link" not in page.lower() and "@import" not in page and "url(" not in page
    assert "<style>" in page and "<table>" in page
    for src in re.findall(r'src="([^"]+)"', page):
        assert src.startswith("data:image/png;base64,")
    # the Markdown refers to every figure by relative path, and only to existing ones
    for path in figures:
        assert f"](figures/{path.name})" in md
    for name in re.findall(r"\]\((figures/[^)]+)\)", md):
        assert (folder / name).exists()
    assert "95 % confidence interval" in md
    return md, page


@pytest.mark.parametrize("maker", [make_grid])
def test_report_is_rewritten_in_place(tmp_path, maker):
    folder = maker(tmp_path / "again")
    first = write_report(folder)
    second = write_report(folder)
    assert first == second
    assert (folder / "report.md").read_text().startswith("# Experiment: trust_grid")
