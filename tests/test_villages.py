"""Who gains, where (issue 15, part 3): every run stores one row per village, a sweep's arms
share their villages, and the paired gains per village and per district are what their
definitions say."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from sim.model import VillageModel
from sim.sweep import analysis
from sim.sweep import villages as gains
from sim.sweep.orchestrate import run_sweep
from sim.sweep.runner import Execution
from tests.test_sweep import experiment, runs_of


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("villages")
    return run_sweep(experiment(tmp, replicates=3), execution=Execution(workers=1), out=tmp / "sweep", progress=False)


def test_a_run_village_table_adds_up_to_its_summary():
    """The household-weighted mean of the villages' mean consumption is the run's mean
    consumption (the same steps averaged); one row per village, step 0 first per step."""
    model = VillageModel("default", rng=4, n_villages=30, steps=8)
    model.run()
    table = model.village_table()
    assert list(table["village"]) == list(range(30))
    weighted = float(np.sum(table["mean_consumption"] * table["households"]) / table["households"].sum())
    assert weighted == pytest.approx(model.summary()["welfare.mean_consumption"], rel=1e-12)
    steps = model.village_table(every_step=True)
    assert len(steps) == 30 * 9 and list(steps["step"].unique()) == list(range(9))
    assert np.array_equal(steps[steps["step"] == 8]["consumption"].to_numpy(), table["final_consumption"].to_numpy())


def test_a_sweep_stores_every_village_of_every_run_and_arms_share_their_villages(folder):
    runs = runs_of(folder)
    villages = gains.load_villages(folder, runs)
    assert len(villages) == len(runs) * 24
    assert sorted(villages["run_id"].unique()) == sorted(runs["run_id"])
    same = villages.groupby(["replicate", "village"])[["x_km", "y_km", "households", "district"]].nunique()
    assert (same == 1).all().all(), "every arm of a replicate runs on the same villages"
    assert villages.groupby("replicate")["x_km"].sum().nunique() == 3, "replicates differ"


def _synthetic() -> pd.DataFrame:
    """Two districts of two villages, 3 replicates, arm "a" adds a known amount per village."""
    rows = []
    added = {0: 0.10, 1: 0.30, 2: -0.20, 3: 0.0}
    for replicate in range(3):
        for village in range(4):
            base = 1.0 + 0.1 * village + 0.01 * replicate
            noise = 0.002 * (replicate - 1) * (village + 1)
            for arm, value in (("ref", base), ("a", base + added[village] + noise)):
                rows.append(
                    {
                        "run_id": f"{arm}{replicate}", "arm": arm, "condition": "c", "replicate": replicate,
                        "village": village, "district": village // 2, "x_km": float(village), "y_km": 0.0,
                        "households": 100.0 * (village + 1), "mean_consumption": value,
                    }
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_village_gains_are_the_paired_differences_over_replicates():
    frame = _synthetic()
    got = gains.village_gains(frame, "ref").set_index("village")
    assert list(got["arm"].unique()) == ["a"] and (got["n_pairs"] == 3).all()
    for village, added in {0: 0.10, 1: 0.30, 2: -0.20, 3: 0.0}.items():
        assert got.loc[village, "diff"] == pytest.approx(added, abs=1e-12)
        d = np.array([added + 0.002 * (r - 1) * (village + 1) for r in range(3)])
        n, mean, low, high = analysis.mean_ci(d, 0.95)
        assert (got.loc[village, "diff_low"], got.loc[village, "diff_high"]) == pytest.approx((low, high), abs=1e-12)
    behind = gains.left_behind(got.reset_index()).iloc[0]
    assert (behind["villages"], behind["gain"], behind["lose"]) == (4, 2, 1)
    assert behind["households_losing"] == pytest.approx(300.0 / 1000.0)


def test_district_gains_weigh_villages_by_households():
    frame = _synthetic()
    table = gains.district_gains(frame, "ref")
    row = table[(table["arm"] == "a") & (table["district"] == 1)].iloc[0]
    # district 1: villages 2 (300 households, -0.20) and 3 (400 households, 0.0), noise cancels over replicates
    assert row["diff"] == pytest.approx((300 * -0.20 + 400 * 0.0) / 700, abs=1e-12)
    assert row["n_pairs"] == 3


def test_the_report_says_who_gains_where_and_draws_the_map(folder):
    text = (folder / "report.md").read_text()
    assert "### Who gains, where" in text and "villages gaining" in text
    assert [p.stat().st_size > 1000 for p in (folder / "figures").glob("villages*.png")] == [True]


def test_a_folder_without_villages_gets_the_report_without_that_part(folder, tmp_path):
    """A folder made before villages were stored: the report has no such part, and no error."""
    from sim.report import write_report

    old = tmp_path / "old"
    shutil.copytree(folder, old)
    (old / "villages.parquet").unlink()
    shutil.rmtree(old / "villages")
    write_report(old)
    assert "Who gains, where" not in (old / "report.md").read_text()
