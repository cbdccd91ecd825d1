"""Sweeps that draw parameter sets from a calibration's posterior (the experiment key
``posterior``, docs/experiments.md): one draw per replicate, the same in every arm, seeded by the
replicate's seed whatever the workers; recorded per run and in the manifest; intervals that carry
parameter uncertainty and a report that says so; one-line errors for bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.sweep.design import load_experiment
from sim.sweep.experiment import replicate_seed
from sim.sweep.orchestrate import run_sweep
from sim.sweep.runner import Execution

ROOT = Path(__file__).resolve().parent.parent
# five particles, far apart: a replicate's draw moves consumption far more than its noise does
PARTICLES = {
    "particle": [10, 11, 12, 13, 14],
    "weight": [0.1, 0.2, 0.4, 0.2, 0.1],
    "behaviour.initial_trust": [0.1, 0.3, 0.5, 0.7, 0.9],
    "economy.save_rate": [0.05, 0.15, 0.25, 0.35, 0.5],
    "distance": [1.0] * 5,
}
EXPERIMENT = """\
name = "drawn"
scenario = "default"
design = "arms"
replicates = {replicates}
seed = 99
steps = 6
reference = "alone"
{posterior}metrics = ["welfare.mean_consumption", "cooperation.mean_trust"]
[set]
"landscape.n_villages" = 20
"shocks.scheduled" = []
[[arms]]
name = "alone"
label = "No cooperation"
set = {{ "cooperation.forms" = [] }}
[[arms]]
name = "formal"
label = "Formal agreements"
set = {{ "cooperation.forms" = ["formal"] }}
[[conditions]]
name = "calm"
set = {{}}
[[conditions]]
name = "dry"
set = {{ "shocks.scheduled" = [{{ kind = "drought", step = 3, duration = 1, intensity = 0.8, district = -1 }}] }}
"""
POSTERIOR = 'posterior = "calibration/posterior.parquet"\n'


def write_posterior(folder: Path, observations: str | None = "synthetic", **columns) -> Path:
    """A small posterior table and a calibration manifest beside it, as ``kerjasama calibrate`` writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({**PARTICLES, **columns}).to_parquet(folder / "posterior.parquet", index=False)
    settings = {"name": "tiny_synthetic", "scenario": "default", "observations": observations}
    manifest = {
        "kind": "kerjasama calibration",
        "calibration": settings,
        "calibration_file": "calibrations/tiny_synthetic.toml",
        "calibration_sha256": "0" * 64,
        "quick": True,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder / "posterior.parquet"


def write_experiment(tmp_path: Path, replicates: int = 6, posterior: str = POSTERIOR, extra: str = "") -> Path:
    path = tmp_path / "drawn.toml"
    path.write_text(EXPERIMENT.format(replicates=replicates, posterior=posterior) + extra)
    return path


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> dict[str, Path]:
    """The experiment with its posterior on one worker and on two, and without a posterior."""
    tmp = tmp_path_factory.mktemp("posterior")
    write_posterior(tmp / "calibration")
    path = write_experiment(tmp)
    (tmp / "fixed").mkdir()
    fixed = write_experiment(tmp / "fixed", posterior="")  # the same experiment at the scenario's values
    out = {}
    for name, file, workers, report in (("one", path, 1, True), ("two", path, 2, False), ("fixed", fixed, 1, True)):
        out[name] = run_sweep(
            file, execution=Execution(workers=workers), out=tmp / f"{name}-out", progress=False, report=report
        )
    return out


def runs(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "runs.parquet")


# ----------------------------------------------------------------------------- the draws


def test_each_replicate_draws_one_set_the_same_in_every_arm_and_condition(tmp_path):
    from sim.calibrate.posterior import draw

    table = write_posterior(tmp_path / "calibration")
    exp = load_experiment(write_experiment(tmp_path, replicates=12))
    specs = exp.runs()
    assert len(specs) == 4 * 12
    by_replicate: dict[int, set] = {}
    for spec in specs:
        drawn = dict(spec.drawn)
        assert {k: spec.overrides[k] for k in ("behaviour.initial_trust", "economy.save_rate")} == {
            k: v for k, v in drawn.items() if k != "particle"
        }
        by_replicate.setdefault(spec.replicate, set()).add(tuple(sorted(drawn.items())))
    assert all(len(sets) == 1 for sets in by_replicate.values())  # every arm and condition: one draw
    particles = [dict(next(iter(by_replicate[r])))["particle"] for r in range(12)]
    assert len(set(particles)) >= 3  # the draws vary across replicates
    for r, particle in enumerate(particles):  # what `kerjasama run --seed SEED_r --posterior` draws
        row, values = draw(table, replicate_seed(99, r))[0]
        assert PARTICLES["particle"][row] == particle
        assert values["economy.save_rate"] == PARTICLES["economy.save_rate"][row]
    again = load_experiment(write_experiment(tmp_path, replicates=12))
    assert [s.drawn for s in again.runs()] == [s.drawn for s in specs]  # no global state: the same again


def test_draws_follow_the_weights():
    from sim.calibrate.posterior import pick

    rows = np.concatenate([pick(np.array(PARTICLES["weight"]), replicate_seed(7, r)) for r in range(3000)])
    shares = np.bincount(rows, minlength=5) / len(rows)
    assert np.abs(shares - np.array(PARTICLES["weight"])).max() < 0.03


def test_the_draw_uses_no_stream_of_the_model():
    """The particle's generator is spawned from the run's seed like the model's own streams
    (sim.state.STREAM_*), with a key none of them uses."""
    from sim import state
    from sim.calibrate.posterior import DRAW

    streams = {getattr(state, name) for name in dir(state) if name.startswith("STREAM_")}
    assert streams and DRAW not in streams


# ----------------------------------------------------------------------------- the sweep


def test_same_draws_and_results_whatever_the_number_of_workers(swept):
    one, two = runs(swept["one"]), runs(swept["two"])
    pd.testing.assert_frame_equal(one, two)
    keys = ["particle", "behaviour.initial_trust", "economy.save_rate"]
    assert one.groupby("replicate")[keys].nunique().max().max() == 1  # paired: one draw per replicate
    assert one.groupby("replicate")["particle"].first().nunique() >= 2
    assert not set(keys) & set(runs(swept["fixed"]).columns)


def test_the_manifest_records_the_posterior(swept, tmp_path):
    manifest = json.loads((swept["one"] / "manifest.json").read_text())
    posterior = manifest["experiment"]["posterior"]
    table = swept["one"].parent / "calibration" / "posterior.parquet"
    assert posterior["sha256"] == hashlib.sha256(table.read_bytes()).hexdigest()
    assert posterior["path"] == "calibration/posterior.parquet" and posterior["particles"] == 5
    assert posterior["parameters"] == ["behaviour.initial_trust", "economy.save_rate"]
    assert posterior["calibration"]["name"] == "tiny_synthetic"
    assert posterior["calibration"]["observations"] == "synthetic"
    stored = runs(swept["one"]).groupby("replicate")["particle"].first().tolist()
    assert [d["particle"] for d in posterior["draws"]] == stored
    assert [d["seed"] for d in posterior["draws"]] == [replicate_seed(99, r) for r in range(6)]
    assert "posterior" not in json.loads((swept["fixed"] / "manifest.json").read_text())["experiment"]


def test_intervals_with_a_posterior_are_wider_than_with_fixed_parameters(swept):
    """Each arm's interval of mean trust, which the drawn initial trust moves: the spread of the
    parameters adds to replicate noise (mean consumption, in 6 years of 20 villages, is dominated
    by the noise between seeds: its intervals widen by about 2 % only)."""

    def widths(folder: Path, metric: str) -> pd.Series:
        table = pd.read_csv(folder / "estimates.csv")
        table = table[(table["kind"] == "estimate") & (table["metric"] == metric)]
        return (table["high"] - table["low"]).reset_index(drop=True)

    drawn, fixed = widths(swept["one"], "cooperation.mean_trust"), widths(swept["fixed"], "cooperation.mean_trust")
    assert len(drawn) == len(fixed) == 4
    assert (drawn > 2 * fixed).all(), (drawn, fixed)
    consumption = widths(swept["one"], "welfare.mean_consumption")
    assert (consumption >= widths(swept["fixed"], "welfare.mean_consumption")).all()


def test_the_report_and_brief_say_what_the_intervals_rest_on(swept):
    said = "replicate noise and parameter uncertainty (posterior of calibration tiny_synthetic, 5 particles)"
    for name in ("brief.md", "report.md"):
        text = (swept["one"] / name).read_text()
        assert said in text and "The calibration's observations are synthetic" in text
        assert "The figures are illustrative, not forecasts" not in text
        fixed = (swept["fixed"] / name).read_text()
        assert "parameter uncertainty (posterior" not in fixed
    assert "The figures are illustrative, not forecasts" in (swept["fixed"] / "brief.md").read_text()


def test_the_report_says_when_the_calibration_does_not_say_what_its_observations_are(tmp_path):
    from sim.report.results import observations_sentence

    record = {"particles": 5, "parameters": ["economy.save_rate"], "calibration": {"name": "c", "file": "c.toml"}}
    assert "does not say whether its observations are real or synthetic" in observations_sentence(record)
    record["calibration"]["observations"] = "real"
    assert "observations are real" in observations_sentence(record)


def test_resume_refuses_a_changed_posterior(swept, tmp_path, capsys):
    folder = tmp_path / "out"
    write_posterior(tmp_path / "calibration")
    path = write_experiment(tmp_path, replicates=2)
    run_sweep(path, execution=Execution(workers=1), out=folder, progress=False, report=False)
    write_posterior(tmp_path / "calibration", weight=[0.5, 0.5, 0.0, 0.0, 0.0])
    args = ["sweep", str(path), "--out", str(folder), "--resume", "--workers", "1"]
    assert main(args) == 2
    assert "posterior table changed since these results were stored" in capsys.readouterr().err


def test_the_shipped_example_reads_the_committed_posterior():
    exp = load_experiment(ROOT / "experiments" / "posterior_forms.toml", quick=True)
    record = exp.describe()["posterior"]
    assert record["calibration"]["name"] == "default_synthetic"
    assert record["calibration"]["observations"] == "synthetic"
    assert record["particles"] == 60 and len(record["draws"]) == exp.replicates


def test_the_indonesian_audit_experiment_draws_from_the_committed_real_posterior():
    exp = load_experiment(ROOT / "experiments" / "indonesia_audits.toml", quick=True)
    record = exp.describe()["posterior"]
    assert record["calibration"]["name"] == "indonesia_olken"
    assert record["calibration"]["observations"] == "real"
    assert sorted(record["parameters"]) == ["behaviour.free_rider_share", "behaviour.impunity_share"]
    assert record["particles"] == 150 and len(record["draws"]) == exp.replicates


# ----------------------------------------------------------------------------- bad input


def _sweep_fails(tmp_path: Path, capsys, path: Path, *fragments: str) -> None:
    for extra in ([], ["--quick"]):
        code = main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1", *extra])
        err = capsys.readouterr().err
        assert code == 2, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err, err
        assert lines[0].startswith(f"kerjasama: error: {path}: "), lines[0]
        for fragment in fragments:
            assert fragment in lines[0], lines[0]
    assert not (tmp_path / "out").exists()


CONFLICTS = [
    (
        '"landscape.n_villages" = 20\n',
        '"landscape.n_villages" = 20\n"economy.save_rate" = 0.3\n',
        "set: economy.save_rate",
    ),
    (
        '"cooperation.forms" = [] }',
        '"cooperation.forms" = [], "behaviour.initial_trust" = 0.2 }',
        "arms.0.set: behaviour.initial_trust",
    ),
    ("set = {}", 'set = { "economy.save_rate" = 0.1 }', "conditions.0.set: economy.save_rate"),
]


@pytest.mark.parametrize(("old", "new", "fragment"), CONFLICTS, ids=["set", "arm", "condition"])
def test_a_key_both_drawn_and_set_is_one_line(tmp_path, capsys, old, new, fragment):
    write_posterior(tmp_path / "calibration")
    path = write_experiment(tmp_path)
    path.write_text(path.read_text().replace(old, new, 1))
    _sweep_fails(tmp_path, capsys, path, f"{fragment}: also drawn from the posterior", "give it one way")


def test_a_grid_factor_also_drawn_is_one_line(tmp_path, capsys):
    write_posterior(tmp_path / "calibration")
    text = EXPERIMENT.split("[[arms]]")[0].format(replicates=2, posterior=POSTERIOR).replace('"arms"', '"grid"')
    text = text.replace('reference = "alone"\n', "") + '[factors]\n"economy.save_rate" = [0.1, 0.3]\n'
    path = tmp_path / "grid.toml"
    path.write_text(text)
    _sweep_fails(tmp_path, capsys, path, "factors: economy.save_rate: also drawn from the posterior")


BAD_TABLES = [
    ("missing", None, "no such file"),
    ("not parquet", "text", "not a readable Parquet file"),
    ("no weight", {"weight": None}, "not a posterior table of kerjasama calibrate"),
    ("unknown key", {"behaviour.trustiness": [0.5] * 5}, "column 'behaviour.trustiness' is not a scenario parameter"),
    ("out of range", {"economy.save_rate": [0.1, 0.2, 1.5, 0.3, 0.4]}, "economy.save_rate: 1.5"),
    ("no manifest", "no manifest", "no manifest.json of kerjasama calibrate beside it"),
]


@pytest.mark.parametrize(("change", "fragment"), [c[1:] for c in BAD_TABLES], ids=[c[0] for c in BAD_TABLES])
def test_a_bad_posterior_is_one_line(tmp_path, capsys, change, fragment):
    folder = tmp_path / "calibration"
    path = write_experiment(tmp_path, replicates=20)
    if isinstance(change, dict):
        columns = {k: v for k, v in change.items() if v is not None}
        table = write_posterior(folder, **columns)
        if "weight" in change:
            pd.read_parquet(table).drop(columns="weight").to_parquet(table)
    elif change == "text":
        write_posterior(folder)
        (folder / "posterior.parquet").write_text("particle,weight\n")
    elif change == "no manifest":
        write_posterior(folder)
        (folder / "manifest.json").unlink()
    _sweep_fails(tmp_path, capsys, path, "posterior:", fragment)


def test_a_sampled_design_refuses_a_posterior(tmp_path, capsys):
    text = EXPERIMENT.split("[[arms]]")[0].format(replicates=2, posterior=POSTERIOR).replace('"arms"', '"lhs"')
    text = (
        text.replace('reference = "alone"\n', "samples = 4\n") + '[ranges]\n"behaviour.threshold_mean" = [0.2, 0.8]\n'
    )
    path = tmp_path / "lhs.toml"
    path.write_text(text)
    _sweep_fails(tmp_path, capsys, path, "posterior: not used by design 'lhs'")
