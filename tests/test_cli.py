"""The command line: outputs of `run`, listing and checking scenarios, and error paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.scenario import available_scenarios, scenario_path


def kerjasama(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd)


def test_run_writes_summary_timeseries_manifest_and_figures(tmp_path):
    out = tmp_path / "run"
    result = kerjasama(
        "run",
        "default",
        "--seed",
        "3",
        "--steps",
        "8",
        "--villages",
        "30",
        "--set",
        "shocks.scheduled.0.step=4",
        "--set",
        "forms.formal.enforcement=0.9",
        "--out",
        str(out),
        "--figures",
    )
    assert result.returncode == 0, result.stderr
    assert "mean consumption" in result.stdout and "resilience" in result.stdout
    assert "and figures/" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["steps"] == 8
    assert summary["resilience.resistance"] is not None
    series = pd.read_csv(out / "timeseries.csv")
    assert list(series["step"]) == list(range(9))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3
    assert manifest["parameters"]["forms.formal.enforcement"] == 0.9
    assert manifest["parameters"]["landscape.n_villages"] == 30
    assert manifest["versions"]["mesa"].startswith("3.")
    assert "git_commit" in manifest
    for name in ("welfare", "cooperation", "resilience", "map"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000
    assert not list(tmp_path.glob(".*partial*"))


def test_run_draws_no_figures_unless_asked(tmp_path):
    """Figures cost more than a default run (and import matplotlib): `run` draws them only with
    --figures, and says how to get them."""
    out = tmp_path / "run"
    result = kerjasama("run", "autarky", "--steps", "3", "--villages", "20", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert not (out / "figures").exists()
    assert "(add --figures for figures/)" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "summary.json", "timeseries.csv"]


def test_rerun_replaces_the_folder_atomically(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "autarky", "--steps", "3", "--villages", "20", "--out", str(out), "--quiet"]) == 0
    (out / "stale.txt").write_text("old")
    assert main(["run", "autarky", "--steps", "3", "--villages", "20", "--out", str(out), "--quiet"]) == 0
    assert not (out / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_same_seed_same_files(tmp_path):
    for name in ("a", "b"):
        assert (
            main(["run", "default", "--steps", "5", "--villages", "25", "--out", str(tmp_path / name), "--quiet"]) == 0
        )
    assert (tmp_path / "a" / "summary.json").read_text() == (tmp_path / "b" / "summary.json").read_text()
    assert (tmp_path / "a" / "timeseries.csv").read_text() == (tmp_path / "b" / "timeseries.csv").read_text()


def test_scenarios_and_check(tmp_path):
    result = kerjasama("scenarios")
    assert result.returncode == 0
    for name in available_scenarios():
        assert name in result.stdout
    assert len(result.stdout.strip().splitlines()) == len(available_scenarios())
    ok = kerjasama("check", "india_sustainable_agriculture")
    assert ok.returncode == 0 and "OK" in ok.stdout


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "default", "--set", "nonsense.key=1"], "override: nonsense.key: unknown key"),
        (["run", "default", "--set", "forms.formal.enforcement=high"], "forms.formal.enforcement: must be a number"),
        (["run", "default", "--set", "forms.formal.enforcement=1.5"], "allowed: a number in [0, 1]"),
        (["run", "default", "--set", "behaviour.rule=random"], "allowed: one of"),
        (["run", "default", "--set", "novalue"], "--set: expected KEY=VALUE"),
        (["run", "default", "--villages", "0"], "landscape.n_villages"),
        (["run", "no_such_scenario"], "no such scenario"),
        (["check", "missing.toml"], "no such scenario"),
        (["run", "default", "--seed", "abc"], "invalid int value"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, args, fragment):
    out = tmp_path / "out"
    result = kerjasama(*args, "--out", str(out)) if args[0] == "run" else kerjasama(*args)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("name = 'x'\n[landscape\n", "malformed TOML"),
        (
            'name = "x"\ndescription = "d"\n[landscape]\nn_villages = "many"\n',
            "bad.toml: landscape.n_villages: must be a number",
        ),
        ('name = "x"\ndescription = "d"\n[landscpe]\nn_villages = 3\n', "bad.toml: landscpe: unknown key"),
        (
            'name = "x"\ndescription = "d"\n[behaviour]\nerror_rate = 0.9\n',
            "bad.toml: behaviour.error_rate: 0.9 is out of range",
        ),
        ('name = "x"\nextends = "nowhere"\n', "extends: no scenario named 'nowhere'"),
    ],
)
def test_bad_files_one_line_exit_2(tmp_path, content, fragment):
    path = _write(tmp_path, "bad.toml", content)
    for args in (["check", path], ["run", path, "--out", str(tmp_path / "out")]):
        result = kerjasama(*args)
        assert result.returncode == 2, result.stdout
        assert fragment in result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_out_never_replaces_something_that_is_not_ours(tmp_path, kind):
    target = tmp_path / "precious"
    if kind == "folder":
        target.mkdir()
        (target / "thesis.txt").write_text("years of work")
    else:
        target.write_text("years of work")
    result = kerjasama("run", "autarky", "--steps", "2", "--villages", "20", "--out", str(target))
    assert result.returncode == 2 and "choose another --out" in result.stderr
    assert "Traceback" not in result.stderr
    if kind == "folder":
        assert (target / "thesis.txt").read_text() == "years of work"
        assert sorted(p.name for p in target.iterdir()) == ["thesis.txt"]
    else:
        assert target.read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious"]
    demo = kerjasama("demo", "--out", str(target))
    assert demo.returncode == 2 and "choose another --out" in demo.stderr


def test_explore_on_a_busy_port_is_one_line_exit_2():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = kerjasama("explore", "--port", str(port))
    assert result.returncode == 2 and "choose another --port" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _summary(**values) -> dict:
    from sim import outputs

    keys = outputs.summary_keys(outputs.STANDARD_FORMS, ())
    summary = {key: 0.5 for key in keys}
    summary.update(scenario="default", seed=1, steps=10, n_villages=30, **values)
    return summary


def test_console_summary_names_measures_by_the_registry(capsys):
    from sim import cli, outputs

    for key, name in cli.CONSOLE_NAMES.items():  # short names stand for declared measures only
        assert outputs.measure_info(key).key == key and name != outputs.measure_info(key).label
    cli.print_summary(_summary(**{"resilience.recovery_steps": None}))
    text = capsys.readouterr().out
    for key in ("welfare.mean_consumption", "efficiency.service_cost_per_household", "cooperation.mean_trust"):
        assert f"{outputs.measure_info(key).label} 0.500" in text
    assert "recovery not recovered" in text and "formal 0.5, informal 0.5, long-term 0.5, temporary 0.5" in text
    cli.print_summary(_summary(**{"resilience.resistance": None}))
    assert "no scheduled shock | CVaR5 of consumption 0.500" in capsys.readouterr().out


def test_headline_is_the_brief_s_answer(tmp_path):
    """After a sweep the terminal shows the brief's answer, one sentence per line; an arm
    without values ("no paired replicates") is left out of it; a report without a brief (grid)
    shows its readings of a difference (none)."""
    from sim.cli import _headline
    from sim.report import write_report
    from sim.report.brief import answer_of
    from tests.test_report import make_arms, make_grid

    folder = make_arms(tmp_path / "arms")
    assert _headline(folder) == []  # no report written yet
    runs = pd.read_parquet(folder / "runs.parquet")
    runs["welfare.mean_consumption"] = runs["welfare.mean_consumption"].astype(object)
    runs.loc[runs["arm"] == "informal", "welfare.mean_consumption"] = None  # "no paired replicates": left out
    runs.to_parquet(folder / "runs.parquet")
    write_report(folder)
    lines = _headline(folder)
    assert lines == answer_of((folder / "brief.md").read_text()) and 1 <= len(lines) <= 3
    assert lines[0].startswith("The largest gain in mean consumption") and "Informal" not in lines[0]
    grid = make_grid(tmp_path / "grid")
    write_report(grid)
    assert _headline(grid) == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "partnership_forms"], "this is an experiment: use `kerjasama sweep partnership_forms`"),
        (["check", "sensitivity"], "this is an experiment: use `kerjasama sweep sensitivity`"),
        (["check", "experiments/partnership_forms.toml"], "this is an experiment file: use `kerjasama sweep"),
        (["sweep", "autarky"], "this is a scenario: use `kerjasama run autarky`"),
        (["sweep", "scenarios/autarky.toml"], "this is a scenario file: use `kerjasama run"),
        (["run", "defualt"], "did you mean 'default'?"),
        (["sweep", "partnership_froms"], "did you mean 'partnership_forms'?"),
        (["report", "no/such/folder"], "no/such/folder: does not exist"),
    ],
)
def test_messages_say_which_command_to_use(capsys, monkeypatch, args, fragment):
    from sim.scenario import SCENARIO_DIR

    monkeypatch.chdir(SCENARIO_DIR.parent)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1


def test_a_shock_cut_off_by_steps_is_one_warning_line_after_the_run(tmp_path):
    done = kerjasama("run", "default", "--villages", "30", "--steps", "8", "--out", str(tmp_path / "r"))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "kerjasama: warning: " + str(scenario_path("default")) + ": shocks.scheduled.0.step: 20 is after the last "
        "step (8), which an override set (--steps, --set run.steps, an experiment's steps); that shock will not happen"
    ]
    assert "(averages over steps 6-8, after a burn-in of 5 steps)" in done.stdout
    short = kerjasama("run", "default", "--villages", "30", "--steps", "4", "--out", str(tmp_path / "s"))
    assert "(averages over every step, 0-4: the run is not longer than its burn-in of 5 steps)" in short.stdout


def test_the_default_output_folder_is_unique_to_the_scenario_file(tmp_path):
    from types import SimpleNamespace

    from sim.cli import default_run_folder

    shipped = SimpleNamespace(source=str(scenario_path("default")), name="default")
    assert default_run_folder(shipped, 42) == Path("results/default-seed42")
    mine, theirs = (SimpleNamespace(source=str(tmp_path / d / "x.toml"), name="default") for d in ("a", "b"))
    assert default_run_folder(mine, 42) != default_run_folder(theirs, 42) != default_run_folder(shipped, 42)
    assert default_run_folder(mine, 42).name.startswith("default-") and default_run_folder(mine, 42).name.endswith(
        "-seed42"
    )
