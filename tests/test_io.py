"""Writing results (sim/io.py): manifests that name no machine path, unwritable locations."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sim import ScenarioError, io
from sim.cli import main


def strings_in(value) -> list[str]:
    """Every string a JSON document holds (keys and values)."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings_in(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return [value] if isinstance(value, str) else []


def machine_paths(manifest: dict, *folders: Path) -> list[str]:
    """The strings of a manifest that name an absolute path or one of ``folders``."""
    names = [str(f) for f in (*folders, io.REPO_ROOT)]
    return [s for s in strings_in(manifest) if os.path.isabs(s) or any(name in s for name in names)]


def test_portable_path_is_relative_to_the_repository_or_just_the_name(tmp_path):
    assert io.portable_path(io.REPO_ROOT / "scenarios" / "default.toml") == "scenarios/default.toml"
    assert io.portable_path(tmp_path / "deep" / "mine.toml") == "mine.toml"
    assert io.portable_path(None) is None and io.portable_path("") == ""


def test_portable_command_keeps_options_and_drops_folders(tmp_path):
    argv = [str(io.REPO_ROOT / ".venv/bin/kerjasama"), "run", str(tmp_path / "s.toml"), f"--out={tmp_path}/o", "-q"]
    assert io.portable_command(argv) == ["kerjasama", "run", "s.toml", "--out=o", "-q"]


def test_a_run_manifest_written_from_a_tmp_folder_names_no_machine_path(tmp_path, monkeypatch):
    scenario = tmp_path / "mine.toml"
    scenario.write_text('name = "mine"\ndescription = "d"\nextends = "default"\n[landscape]\nn_villages = 12\n')
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(scenario), "--steps", "3", "--out", str(out), "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario_file"] == "mine.toml" and manifest["scenario_sha256"]
    assert machine_paths(manifest, tmp_path) == []


def test_a_folder_under_a_file_is_refused_in_one_line(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ScenarioError, match=r"cannot write there \(.*file is a file, not a folder\)"):
        io.check_writable(tmp_path / "file" / "out" / "deeper")
    io.check_writable(tmp_path / "new" / "out")  # a folder that may be created is fine
    assert not (tmp_path / "new").exists() and os.listdir(tmp_path) == ["file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; the case under a file covers it")
def test_a_read_only_folder_is_refused_in_one_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ScenarioError, match="cannot write there"):
            io.check_writable(locked / "out")
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize(
    "command",
    [
        ["run", "default", "--steps", "2", "--villages", "12", "--quiet"],
        ["sweep", "partnership_forms", "--quick", "--workers", "1"],
        ["demo", "--workers", "1"],
    ],
)
def test_an_unwritable_output_location_is_one_line_and_writes_nothing(tmp_path, capsys, command):
    (tmp_path / "file").write_text("not a folder")
    assert main([*command, "--out", str(tmp_path / "file" / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write there" in err[0] and "choose another --out" in err[0], err
    assert os.listdir(tmp_path) == ["file"]


@pytest.mark.parametrize("scenario", ["default", "classic/nowak_may"])
def test_run_refuses_an_unwritable_location_before_it_simulates(tmp_path, capsys, monkeypatch, scenario):
    import sim.classic
    import sim.cli

    def simulated(*args, **kwargs):
        raise AssertionError("the run simulated before checking where it writes")

    monkeypatch.setattr(sim.cli, "write_run", simulated)
    monkeypatch.setattr(sim.classic, "write_run", simulated)
    (tmp_path / "file").write_text("not a folder")
    assert main(["run", scenario, "--out", str(tmp_path / "file" / "out")]) == 2
    assert "cannot write there" in capsys.readouterr().err


def test_a_folder_with_a_damaged_manifest_is_never_replaced(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"kind": "kerjasama sw')
    (folder / "mine.txt").write_text("precious")
    with pytest.raises(ScenarioError, match=r"manifest.json: damaged .*refusing to replace it"):
        io.check_replaceable(folder)
    with pytest.raises(ScenarioError, match="refusing to replace it"):
        with io.atomic_directory(folder) as staging:
            (staging / "x").write_text("new")
    assert sorted(os.listdir(folder)) == ["manifest.json", "mine.txt"]
