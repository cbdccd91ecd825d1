"""A classic run on the command line (sim/classic/outputs.py): the same outputs as a
village run, one-line errors with nothing written, ``check`` and ``scenarios``."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest


def kerjasama(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True)


def test_run_writes_the_same_outputs(tmp_path):
    out = tmp_path / "nm"
    result = kerjasama(
        "run", "classic/nowak_may", "--steps", "30", "--set", "lattice.size=40", "--out", str(out), "--figures"
    )
    assert result.returncode == 0, result.stderr
    assert "cooperators" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"] == "spatial_game" and summary["steps"] == 30
    assert 0.0 <= summary["classic.cooperator_fraction_mean"] <= 1.0
    series = pd.read_csv(out / "timeseries.csv")
    assert list(series["step"]) == list(range(31))
    assert "cooperator_fraction" in series.columns
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["lattice.size"] == 40 and manifest["seed"] == 42
    for name in ("cooperators", "lattice"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000
    db = tmp_path / "db"
    result = kerjasama(
        "run", "classic/ohtsuki_cycle", "--set", "death_birth.replicas=500", "--out", str(db), "--quiet", "--figures"
    )
    assert result.returncode == 0, result.stderr
    assert (db / "figures" / "fixation.png").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--set", "game.b=abc"], "override: game.b: must be a number"),
        (["--set", "lattice.sise=3"], "override: lattice.sise: unknown key"),
        (["--villages", "5"], "--villages: a spatial_game scenario has no villages"),
        (["--steps", "0"], "argument --steps: must be a whole number"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, args, fragment):
    out = tmp_path / "out"
    result = kerjasama("run", "classic/nowak_may", *args, "--out", str(out))
    assert result.returncode == 2
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_check_and_scenarios_list_classic():
    ok = kerjasama("check", "classic/ohtsuki_torus")
    assert ok.returncode == 0 and "OK" in ok.stdout and "death_birth" in ok.stdout
    listing = kerjasama("scenarios")
    assert "classic/nowak_may_kaleidoscope" in listing.stdout
