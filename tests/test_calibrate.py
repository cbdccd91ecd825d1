"""kerjasama calibrate (sim/calibrate/): the calibration file's one-line errors, the same posterior
in this process and on a Dask cluster, resuming after kill -9, and recovery of known parameters."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.file import load_calibration
from sim.calibrate.run import intervals, run_calibration
from sim.calibrate.statistics import synthetic_observations
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
SMALL = """\
scenario = "default"
seed = {seed}
population = {population}
generations = {generations}
[set]
"landscape.n_villages" = {villages}
"run.steps" = {steps}
"shocks.scheduled" = []
[parameters]
"behaviour.threshold_mean" = {{}}
"economy.save_rate" = [0.0, 0.6]
[statistics]
"cooperation.contribution_rate" = {{ observed = 0.92, scale = 0.03 }}
"cooperation.mean_trust" = {{ observed = 0.62, scale = 0.04 }}
"welfare.mean_consumption" = {{ observed = 1.17, scale = 0.03 }}
"welfare.gini" = {{ observed = 0.197, scale = 0.007 }}
[quick]
population = 6
"""


RESUMED = {"generations": 3, "population": 8}  # the reference calibration, also killed and resumed


def small_file(tmp_path: Path, name: str = "small", **settings) -> Path:
    """A calibration file of a small region (a run takes a few hundredths of a second)."""
    values = {"seed": 5, "population": 10, "generations": 2, "villages": 20, "steps": 8, **settings}
    path = tmp_path / f"{name}.toml"
    path.write_text(SMALL.format(**values))
    return path


def posterior(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "posterior.parquet")


# ----------------------------------------------------------------------------- the file's errors


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (("seed = 5", "seed = 5\npopulaton = 3"), "populaton: unknown key"),
        (('"economy.save_rate" = [0.0, 0.6]', '"economy.save_rat" = [0.0, 0.6]'), "parameters.economy.save_rat"),
        (('"economy.save_rate" = [0.0, 0.6]', '"economy.save_rate" = [0.0, 1.6]'), "parameters.economy.save_rate.high"),
        (('"economy.save_rate" = [0.0, 0.6]', '"economy.save_rate" = [0.5, 0.2]'), "low must be below high"),
        (('"economy.save_rate" = [0.0, 0.6]', '"cooperation.max_ties" = {}'), "only real-valued parameters"),
        (('"economy.save_rate" = [0.0, 0.6]', '"economy.save_rate" = { lo = 0.1 }'), "parameters.economy.save_rate.lo"),
        (("observed = 0.62, scale = 0.04", "observed = 0.62, scale = 0"), "statistics.cooperation.mean_trust.scale"),
        (("observed = 0.62, scale = 0.04", "scale = 0.04"), "statistics.cooperation.mean_trust.observed: missing"),
        (('"welfare.gini" =', '"welfare.ginni" ='), "statistics.welfare.ginni: 'welfare.ginni' is not a measure"),
        (
            ("observed = 0.197", 'pattern = "infrastructure.missing_shar", observed = 0.197'),
            "statistics.welfare.gini.pattern: 'infrastructure.missing_shar' is not a pattern measure",
        ),
        (
            ("observed = 0.197", 'pattern = "infrastructure.missing_share", measure = "x", observed = 0.197'),
            "statistics.welfare.gini: give one of measure, pattern",
        ),
        (("population = 6", "populations = 6"), "quick.populations: unknown key"),
        (('"run.steps" = 8', '"run.stepz" = 8'), "set.run.stepz"),
        (("generations = 2", ""), "generations: missing"),
        (("seed = 5", 'seed = 5\ndistance = "cosine"'), "distance: 'cosine'"),
        (("population = 10", "population = 1"), "population: must be a number >= 2"),
        (("seed = 5", 'seed = 5\nobservations = "measured"'), "observations: 'measured'; allowed: real, synthetic"),
        (
            ("scale = 0.007", 'scale = 0.007, set = { "forms.formal.fin" = 2.0 }'),
            "statistics.welfare.gini.set.forms.formal.fin",
        ),
        (
            ("scale = 0.007", 'scale = 0.007, set = { "forms.formal.fine" = -1.0 }'),
            "statistics.welfare.gini.set.forms.formal.fine",
        ),
        (("scale = 0.007", "scale = 0.007, set = 3"), "statistics.welfare.gini.set: must be a table of overrides"),
        (
            ("scale = 0.007", 'scale = 0.007, set = { "economy.save_rate" = 0.2 }'),
            "statistics.welfare.gini.set.economy.save_rate: is a free parameter",
        ),
        (("scale = 0.007", "scale = 0.007, sett = {}"), "statistics.welfare.gini.sett: unknown key"),
    ],
)
def test_a_bad_calibration_file_is_one_line_naming_file_and_key(tmp_path, capsys, edit, named):
    path = small_file(tmp_path)
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1))
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"kerjasama: error: {path}: "), err
    assert named in err, err
    assert not (tmp_path / "out").exists()


def test_the_shipped_calibrations_are_valid():
    for path in sorted((ROOT / "calibrations").glob("*.toml")):
        calibration = load_calibration(path, quick=True)
        assert calibration.parameters and calibration.statistics
        assert load_calibration(path).population >= calibration.population


def test_the_olken_calibration_fits_pattern_6s_audit_arms():
    """calibrations/indonesia_olken.toml runs pattern 6's control and audited arms (their settings,
    one source: sim/validation/patterns/cases.py) and fits the pattern's own measure in each."""
    from sim.validation.patterns import cases

    calibration = load_calibration("indonesia_olken")
    assert calibration.base.name == "indonesia_kerjasama_antar_desa"
    assert calibration.common == {
        **cases.AUDIT_BASE,
        "forms.formal.enforcement": cases.AUDIT_LOW,
        "run.steps": cases.AUDIT_STEPS,
    }
    control, audited = calibration.statistics
    measure = {"pattern": "infrastructure.missing_share", "scale": 0.03}
    assert control.describe() == {**measure, "observed": 0.28}
    assert audited.describe() == {**measure, "observed": 0.20, "set": {"forms.formal.enforcement": cases.AUDIT_HIGH}}
    assert {p.key: (p.low, p.high) for p in calibration.parameters} == {
        "behaviour.free_rider_share": (0.0, 1.0),
        "behaviour.impunity_share": (0.0, 1.0),
    }


def test_a_statistic_under_its_own_condition_is_that_arm_of_the_pattern():
    """The audited-arm statistic (its own set: audits at 100 %) is pattern 6's audited arm, the
    other its control arm, on the same seed; without the condition both would be the control's."""
    import dataclasses

    from sim.calibrate.statistics import ParticleModel
    from sim.scenario import check_scenario
    from sim.validation.patterns import cases

    calibration = load_calibration("indonesia_olken")
    small = check_scenario(calibration.base, {"landscape.n_villages": 60, "run.steps": 20})
    particle = {"behaviour.free_rider_share": 0.3, "behaviour.impunity_share": 0.3}
    found = ParticleModel(small, calibration.statistics, 1).simulate(particle, 3)
    arm = {"n_villages": 60, **particle}
    assert found["missing_share"] == cases.missing_share(3, 20, {**arm, "forms.formal.enforcement": cases.AUDIT_LOW})
    assert found["missing_share_audited"] == cases.missing_share(
        3, 20, {**arm, "forms.formal.enforcement": cases.AUDIT_HIGH}
    )
    assert found["missing_share_audited"] < found["missing_share"] - 0.05  # audits deter those within reach
    unconditioned = [dataclasses.replace(s, condition={}) for s in calibration.statistics]
    same = ParticleModel(small, unconditioned, 1).simulate(particle, 3)
    assert same["missing_share_audited"] == same["missing_share"] == found["missing_share"]


def test_a_pattern_statistic_is_what_its_meter_reads_during_the_run(monkeypatch):
    """A particle's pattern statistic is the reading of the same meter pattern 6 uses, taken
    after every step of the run; a deliberately wrong reading of the measure changes it (and
    pattern 6's number) to that reading."""
    from sim import outputs
    from sim.calibrate.statistics import ParticleModel
    from sim.scenario import check_scenario
    from sim.validation.patterns import cases

    calibration = load_calibration("indonesia_olken")
    small = check_scenario(calibration.base, {"landscape.n_villages": 60, "run.steps": 20})
    particle = {"behaviour.free_rider_share": 0.3}
    found = ParticleModel(small, calibration.statistics, 1).simulate(particle, 3)["missing_share"]
    arm = {"n_villages": 60, "forms.formal.enforcement": cases.AUDIT_LOW, **particle}
    assert found == cases.missing_share(3, 20, arm)
    assert 0.05 < found < 0.9  # a third of the villages free riders: much is withheld, not all
    monkeypatch.setattr(outputs.MissingShare, "value", lambda meter: 0.123)
    assert ParticleModel(small, calibration.statistics, 1).simulate(particle, 3)["missing_share"] == 0.123
    assert cases.missing_share(3, 20, arm) == 0.123


def test_the_watershed_calibration_fits_the_six_bins_pattern_4_compares():
    """calibrations/india_watershed.toml fits the irrigation bonus of the scenario pattern 4 runs,
    at its horizon, to Wani et al.'s six shares over the same bins; a particle's statistics are
    pattern 4's binned B:C of the joint builds of the same run, and sum to 1."""
    import numpy as np

    from sim.calibrate.statistics import ParticleModel
    from sim.outputs import JOINT_RETURN_BINS
    from sim.validation.patterns import cases
    from sim.validation.patterns.rules import binned_shares

    calibration = load_calibration("india_watershed")
    assert calibration.base.name == "india_sustainable_agriculture"
    assert calibration.common == {"run.steps": 50}
    assert [p.key for p in calibration.parameters] == ["agriculture.irrigation_bonus"]
    assert [s.measure for s in calibration.statistics] == [
        f"infrastructure.joint_return_share_{b}" for b in JOINT_RETURN_BINS
    ]
    assert tuple(s.observed for s in calibration.statistics) == cases.WANI_SHARES
    particle = {"agriculture.irrigation_bonus": 0.03}
    found = ParticleModel(calibration.base, calibration.statistics, 1).simulate(particle, 3)
    ratios = cases.joint_build_ratios(3, 50, particle)
    assert len(ratios) > 20
    assert np.allclose(list(found.values()), binned_shares(ratios, cases.WANI_EDGES), rtol=0, atol=1e-12)
    assert sum(found.values()) == pytest.approx(1.0)


def test_missing_pyabc_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyabc", None)  # import pyabc now raises ImportError
    assert main(["calibrate", str(small_file(tmp_path)), "--out", str(tmp_path / "out")]) == 2
    assert "pip install 'kerjasama[calibrate]'" in capsys.readouterr().err


# ----------------------------------------------------------------------------- the same posterior anywhere


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, pd.DataFrame, Path]:
    """The small calibration run in this process: its file, its posterior and its folder."""
    tmp = tmp_path_factory.mktemp("reference")
    path = small_file(tmp, **RESUMED)
    folder = run_calibration(load_calibration(path), tmp / "in-process", workers=1, progress=False)
    return path, posterior(folder), folder


def test_same_posterior_on_a_dask_cluster_as_in_this_process(tmp_path, reference):
    distributed = pytest.importorskip("distributed")  # in the test extra: never skipped in CI
    path, expected, _ = reference
    # two threads in one worker: candidates run concurrently in one process (NumPy's global state shared)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        folder = run_calibration(load_calibration(path), tmp_path / "dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(posterior(folder), expected)
    assert len(expected) == 8 and expected["weight"].sum() == pytest.approx(1.0)
    manifest = (folder / "manifest.json").read_text()
    assert '"executor": "dask' in manifest and str(tmp_path) not in manifest  # no machine paths


def test_a_particles_seeds_depend_on_seed_generation_and_index_only(tmp_path, reference):
    from sim.calibrate.sampler import Particle

    seeds = {Particle(s, t, i).run_seeds(2)[r] for s in (5, 6) for t in (-1, 0, 1) for i in (0, 1) for r in (0, 1)}
    assert len(seeds) == 24 and Particle(5, 0, 1).run_seeds(2) == Particle(5, 0, 1).run_seeds(2)
    assert not np.array_equal(Particle(5, 0, 1).proposal_state(), Particle(5, 1, 0).proposal_state())
    path, _, folder = reference
    with pytest.raises(Exception, match="results already exist; use --resume"):
        run_calibration(load_calibration(path), folder, workers=1, progress=False)


def test_run_posterior_draws_a_particle_seeded_by_the_run_seed(tmp_path, reference, capsys):
    from sim.calibrate.posterior import draw

    _, expected, folder = reference
    runs = []
    for name, seed in (("a", 3), ("b", 3)):
        out = tmp_path / name
        args = ["run", "default", "--posterior", str(folder), "--seed", str(seed), "--villages", "8", "--steps", "2"]
        assert main([*args, "--out", str(out), "--quiet"]) == 0
        runs.append(json.loads((out / "manifest.json").read_text())["overrides"])
    keys = ["behaviour.threshold_mean", "economy.save_rate"]
    assert runs[0] == runs[1]
    row, drawn = draw(folder, 3)[0]
    assert {k: runs[0][k] for k in keys} == drawn == dict(expected.loc[row, keys])
    rows = [r for r, _ in draw(folder / "posterior.parquet", 1, n=4000)]
    shares = np.bincount(rows, minlength=len(expected)) / 4000
    assert np.abs(shares - expected["weight"].to_numpy()).max() < 0.05  # in proportion to the weights
    assert main(["run", "default", "--posterior", str(folder), "--set", "economy.save_rate=0.3"]) == 2
    assert "also drawn from --posterior" in capsys.readouterr().err


# ----------------------------------------------------------------------------- resume after kill -9


def _generations_stored(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as connection:
            return connection.execute("select count(*) from populations where t >= 0").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_resume_after_kill_9_continues_the_history_and_gives_the_same_posterior(tmp_path, reference):
    path = small_file(tmp_path, "resumed", **RESUMED)
    out = tmp_path / "killed"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "calibrate", str(path), "--out", str(out), "--workers", "1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "stderr.txt", "w"),  # noqa: SIM115 - closed with the process
    )
    deadline = time.monotonic() + 90
    while _generations_stored(out / "history.db") < 1 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, (tmp_path / "stderr.txt").read_text()  # still running: killed mid-calibration
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stored = _generations_stored(out / "history.db")
    assert 1 <= stored < 3, "the calibration was killed after its first generation, before its last"
    first = pd.read_sql("select * from particles", sqlite3.connect(out / "history.db"))
    assert main(["calibrate", str(path), "--out", str(out)]) == 2  # not without --resume (the killed lock is stale)
    assert main(["calibrate", str(path), "--out", str(out), "--resume", "--workers", "1"]) == 0
    assert _generations_stored(out / "history.db") == 3
    with sqlite3.connect(out / "history.db") as connection:
        ts = [t for (t,) in connection.execute("select t from populations where t >= 0 order by t")]
        assert ts == [0, 1, 2]  # one history, continued (not restarted)
        again = pd.read_sql("select * from particles", connection)
    pd.testing.assert_frame_equal(again.iloc[: len(first)], first)  # stored generations untouched
    pd.testing.assert_frame_equal(posterior(out), reference[1])  # as the same file run straight through


# ----------------------------------------------------------------------------- identifiability


def test_known_parameters_are_recovered_from_synthetic_observations(tmp_path):
    """Observations simulated at known values of two parameters; the posterior covers them and
    is much narrower than the prior (docs/calibration.md, "Identifiability")."""
    path = small_file(tmp_path, "identify", seed=11, population=40, generations=4, villages=30, steps=12)
    calibration = load_calibration(path)
    truth = {"behaviour.threshold_mean": 0.7, "economy.save_rate": 0.4}
    observed = synthetic_observations(calibration.base, calibration.statistics, truth, list(range(500, 506)))
    calibration.statistics = [
        dataclasses.replace(s, observed=observed[s.name][0], scale=observed[s.name][1]) for s in calibration.statistics
    ]
    folder = run_calibration(calibration, tmp_path / "identify", workers=1, progress=False)
    found = posterior(folder)
    for p, interval in zip(calibration.parameters, intervals(calibration, found).values(), strict=True):
        assert interval["low95"] <= truth[p.key] <= interval["high95"], (p.key, interval)
        mean = np.average(found[p.key], weights=found["weight"])
        sd = np.sqrt(np.average((found[p.key] - mean) ** 2, weights=found["weight"]))
        assert sd < 0.7 * p.width / np.sqrt(12), (p.key, sd)  # the uniform prior's sd: width / sqrt(12)
    for name in ("marginals", "pairs", "epsilon"):
        assert (folder / "figures" / f"{name}.png").stat().st_size > 1000
    generations = pd.read_csv(folder / "generations.csv")
    assert list(generations["generation"]) == [0, 1, 2, 3]
    assert generations["epsilon"].iloc[1:].is_monotonic_decreasing
