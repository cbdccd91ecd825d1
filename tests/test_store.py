"""The results folder (sim/sweep/store.py) is verified before it is trusted: every kind of
damage to a stored run is set aside into damaged/ (never deleted) and the run redone, so
that `--resume` ends with exactly the runs of an undamaged sweep."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sim import ScenarioError
from sim.sweep.orchestrate import run_sweep
from sim.sweep.runner import Execution
from tests.test_sweep import experiment, runs_of

RUN = "p0001-r001"  # the run each test damages (of 2 arms x 2 replicates)


def sweep(path: Path, out: Path, resume: bool = False) -> Path:
    return run_sweep(path, execution=Execution(workers=1), out=out, resume=resume, progress=False, report=False)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, Path]:
    """An undamaged sweep: (its experiment file, its folder)."""
    tmp = tmp_path_factory.mktemp("clean")
    path = experiment(tmp, replicates=2, steps=3, villages=12)
    return path, sweep(path, tmp / "clean")


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def other_run_as(folder: Path, name: str) -> None:
    shutil.copy(folder / "parts" / "p0000-r000.parquet", folder / "parts" / name)


def drop_a_metric(folder: Path) -> None:
    part = folder / "parts" / f"{RUN}.parquet"
    pd.read_parquet(part).drop(columns=["welfare.gini"]).to_parquet(part, index=False)


def change_the_seed(folder: Path) -> None:
    part = folder / "parts" / f"{RUN}.parquet"
    row = pd.read_parquet(part)
    row["seed"] += 1
    row.to_parquet(part, index=False)


DAMAGE = {
    "truncated part": (lambda f: truncate(f / "parts" / f"{RUN}.parquet"), f"parts/{RUN}.parquet"),
    "empty part": (lambda f: (f / "parts" / f"{RUN}.parquet").write_bytes(b""), f"parts/{RUN}.parquet"),
    "part not Parquet": (lambda f: (f / "parts" / f"{RUN}.parquet").write_text("run,x\n1,2\n"), f"parts/{RUN}.parquet"),
    "part without id columns": (
        lambda f: pd.DataFrame({"x": [1.0]}).to_parquet(f / "parts" / f"{RUN}.parquet"),
        f"parts/{RUN}.parquet",
    ),
    "part of another run": (lambda f: other_run_as(f, f"{RUN}.parquet"), f"parts/{RUN}.parquet"),
    "duplicate part": (lambda f: other_run_as(f, "p0000-r000 (copy).parquet"), "parts/p0000-r000 (copy).parquet"),
    "part with a column fewer": (drop_a_metric, f"parts/{RUN}.parquet"),
    "part of another seed": (change_the_seed, f"parts/{RUN}.parquet"),
    "duplicate time series": (
        lambda f: shutil.copy(f / "timeseries" / f"{RUN}.parquet", f / "timeseries" / "copy.parquet"),
        "timeseries/copy.parquet",
    ),
    "missing time series": (lambda f: (f / "timeseries" / f"{RUN}.parquet").unlink(), f"parts/{RUN}.parquet"),
    "truncated time series": (lambda f: truncate(f / "timeseries" / f"{RUN}.parquet"), f"timeseries/{RUN}.parquet"),
    "duplicate village table": (
        lambda f: shutil.copy(f / "villages" / f"{RUN}.parquet", f / "villages" / "copy.parquet"),
        "villages/copy.parquet",
    ),
    "missing village table": (lambda f: (f / "villages" / f"{RUN}.parquet").unlink(), f"parts/{RUN}.parquet"),
    "truncated village table": (lambda f: truncate(f / "villages" / f"{RUN}.parquet"), f"villages/{RUN}.parquet"),
    "village table of another run": (
        lambda f: shutil.copy(f / "villages" / "p0000-r000.parquet", f / "villages" / f"{RUN}.parquet"),
        f"villages/{RUN}.parquet",
    ),
}


@pytest.mark.parametrize("kind", DAMAGE)
def test_resume_sets_damage_aside_and_ends_with_the_runs_of_an_undamaged_sweep(tmp_path, clean, capfd, kind):
    path, reference = clean
    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    (folder / "runs.parquet").unlink()  # as an interrupted sweep leaves it
    damage, set_aside = DAMAGE[kind]
    damage(folder)
    sweep(path, folder, resume=True)
    pd.testing.assert_frame_equal(runs_of(folder), runs_of(reference))
    assert (folder / "damaged" / set_aside).exists(), sorted(p.name for p in (folder / "damaged").rglob("*"))
    assert sorted(p.name for p in (folder / "parts").iterdir()) == sorted(
        p.name for p in (reference / "parts").iterdir()
    )
    for table in ("timeseries.parquet", "villages.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(folder / table), pd.read_parquet(reference / table))
    lines = [line for line in capfd.readouterr().err.splitlines() if line.startswith("kerjasama:")]
    assert len(lines) == 1 and "moved" in lines[0] and f"{folder}/damaged/" in lines[0], lines
    assert ("will be redone" in lines[0]) == (not kind.startswith("duplicate"))


def test_an_undamaged_folder_is_resumed_untouched(tmp_path, clean, capfd):
    path, reference = clean
    folder = tmp_path / "intact"
    shutil.copytree(reference, folder)
    sweep(path, folder, resume=True)
    assert not (folder / "damaged").exists() and "damaged" not in capfd.readouterr().err
    assert json.loads((folder / "manifest.json").read_text())["runs"]["to_run"] == 0


def test_damage_twice_keeps_both_damaged_files(tmp_path, clean):
    path, reference = clean
    folder = tmp_path / "twice"
    shutil.copytree(reference, folder)
    for _ in range(2):
        (folder / "parts" / f"{RUN}.parquet").write_bytes(b"")
        sweep(path, folder, resume=True)
    assert sorted(p.name for p in (folder / "damaged" / "parts").iterdir()) == [f"{RUN}.1.parquet", f"{RUN}.parquet"]
    pd.testing.assert_frame_equal(runs_of(folder), runs_of(reference))


@pytest.mark.parametrize("content", ["", '{"kind": "kerjasama sweep", "experi', "[1, 2]"])
def test_a_damaged_manifest_is_one_line_that_says_how_to_recover(tmp_path, clean, content):
    path, reference = clean
    folder = tmp_path / "no-manifest"
    shutil.copytree(reference, folder)
    (folder / "manifest.json").write_text(content)
    with pytest.raises(ScenarioError) as error:
        sweep(path, folder, resume=True)
    message = str(error.value)
    assert "manifest.json: damaged" in message and "restore it" in message and "\n" not in message
    assert (folder / "manifest.json").read_text() == content and not (folder / "damaged").exists()


def duplicate_first_row(path: Path) -> None:
    table = pd.read_parquet(path)
    pd.concat([table, table.iloc[:1]], ignore_index=True).to_parquet(path, index=False)


REPORT_DAMAGE = {
    "truncated runs table": (lambda f: truncate(f / "runs.parquet"), "runs.parquet: cannot read"),
    "empty runs table": (lambda f: (f / "runs.parquet").write_bytes(b""), "runs.parquet: cannot read"),
    "run stored twice": (lambda f: duplicate_first_row(f / "runs.parquet"), "is stored 2 times"),
    "truncated time series": (lambda f: truncate(f / "timeseries.parquet"), "timeseries.parquet: cannot read"),
    "step stored twice": (lambda f: duplicate_first_row(f / "timeseries.parquet"), "is stored twice"),
    "truncated manifest": (lambda f: truncate(f / "manifest.json"), "manifest.json: damaged"),
}


@pytest.mark.parametrize("kind", REPORT_DAMAGE)
def test_report_on_a_damaged_folder_is_one_line_that_says_how_to_recover(tmp_path, clean, capsys, kind):
    from sim.cli import main

    _, reference = clean
    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    damage, expected = REPORT_DAMAGE[kind]
    damage(folder)
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0], err
    advice = "restore it" if kind == "truncated manifest" else f"kerjasama sweep small.toml --out {folder} --resume"
    assert advice in err[0] and not (folder / "report.md").exists()


def test_the_advice_works_resume_rebuilds_damaged_tables_and_the_report(tmp_path, clean, capsys):
    from sim.cli import main

    path, reference = clean
    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    duplicate_first_row(folder / "runs.parquet")
    truncate(folder / "timeseries.parquet")
    sweep(path, folder, resume=True)
    pd.testing.assert_frame_equal(runs_of(folder), runs_of(reference))
    assert main(["report", str(folder)]) == 0 and (folder / "report.md").exists()


def test_cli_resume_on_a_damaged_manifest_is_one_line_and_exit_2(tmp_path, clean, capsys):
    from sim.cli import main

    path, reference = clean
    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    truncate(folder / "manifest.json")
    assert main(["sweep", str(path), "--out", str(folder), "--resume", "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "manifest.json: damaged" in err[0] and "restore it" in err[0], err


def _stacked_by_pandas(files: list[Path]) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def test_stacked_parts_are_what_pandas_concat_gives(tmp_path):
    """`read_stacked` (one Arrow table, converted once) is `pd.concat` of the parts: columns a
    part lacks are null there, nullable types stay nullable, text stays text; and parts whose
    types Arrow cannot unify still stack, as pandas stacks them."""
    from sim.sweep.store import read_stacked, typed_row

    rows = [
        {"run_id": "a", "arm": "x", "value": 1.5, "count": None, "flag": True},
        {"run_id": "b", "arm": "y", "value": None, "extra": 2.0, "flag": None},
        {"run_id": "c", "arm": "z", "value": 3.0, "count": None, "flag": False},
    ]
    files = []
    for k, row in enumerate(rows):
        files.append(tmp_path / f"{k}.parquet")
        typed_row(row).to_parquet(files[-1], index=False)
    got, want = read_stacked(files), _stacked_by_pandas(files)
    pd.testing.assert_frame_equal(got, want)
    assert list(got.columns) == ["run_id", "arm", "value", "count", "flag", "extra"]
    clash = tmp_path / "clash.parquet"
    pd.DataFrame({"run_id": ["d"], "value": ["text"]}).to_parquet(clash, index=False)  # text where numbers were
    pd.testing.assert_frame_equal(read_stacked([*files, clash]), _stacked_by_pandas([*files, clash]))
