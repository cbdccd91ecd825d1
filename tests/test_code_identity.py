"""A sweep's manifest records the code that made its runs (sim.io.code_sha256), and
``--resume`` refuses a folder made by other code, in one line that says what to do."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim import ScenarioError, io
from sim.sweep.lock import LOCK
from tests.test_store import sweep
from tests.test_sweep import experiment, runs_of

SIM = Path(io.__file__).resolve().parent


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("finished")
    path = experiment(tmp, replicates=1, steps=3, villages=12)
    return path, sweep(path, tmp / "done")


def with_manifest(finished: tuple[Path, Path], tmp_path: Path, **changes) -> Path:
    """A copy of the finished folder whose manifest has ``changes`` (None: the key removed)."""
    folder = tmp_path / "sweep"
    shutil.copytree(finished[1], folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    for key, value in changes.items():
        if value is None:
            manifest.pop(key)
        else:
            manifest[key] = value
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def copy_of_the_code(target: Path) -> Path:
    shutil.copytree(SIM, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_the_code_identity_does_not_depend_on_where_the_checkout_lies_nor_on_pycache(tmp_path):
    here = io.code_sha256()
    assert len(here) == 64 and here == io.code_sha256(SIM)
    copy = copy_of_the_code(tmp_path / "elsewhere" / "sim")
    assert io.code_sha256(copy) == here
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "model.cpython-312.pyc").write_bytes(b"\0compiled")
    (copy / "__pycache__" / "stray.py").write_text("x = 1\n")
    (copy / "notes.txt").write_text("not source")
    assert io.code_sha256(copy) == here


@pytest.mark.parametrize(
    "change",
    [
        lambda sim: (sim / "metrics.py").write_bytes((sim / "metrics.py").read_bytes() + b"\n"),
        lambda sim: (sim / "metrics.py").rename(sim / "metric.py"),
        lambda sim: (sim / "sweep" / "extra.py").write_text(""),
        lambda sim: (sim / "sweep" / "store.py").unlink(),
    ],
    ids=["one byte more", "a file renamed", "a file added", "a file removed"],
)
def test_any_change_to_the_source_changes_the_code_identity(tmp_path, change):
    copy = copy_of_the_code(tmp_path / "sim")
    change(copy)
    assert io.code_sha256(copy) != io.code_sha256()


def test_the_manifest_records_the_code_identity(finished):
    manifest = json.loads((finished[1] / "manifest.json").read_text())
    assert manifest["code_sha256"] == io.code_sha256() and "git_commit" in manifest


def test_resume_with_the_same_code_is_accepted(tmp_path, finished):
    folder = with_manifest(finished, tmp_path)
    (folder / "parts" / "p0000-r000.parquet").unlink()
    sweep(finished[0], folder, resume=True)
    assert json.loads((folder / "manifest.json").read_text())["runs"]["to_run"] == 1
    assert runs_of(folder).equals(runs_of(finished[1]))


def test_resume_of_a_folder_made_by_other_code_is_refused_in_one_line(tmp_path, finished):
    folder = with_manifest(finished, tmp_path, code_sha256="ab" * 32, git_commit="0123456789abcdef")
    before = (folder / "manifest.json").read_text()
    result = subprocess.run(
        [sys.executable, "-m", "sim", "sweep", str(finished[0]), "--out", str(folder), "--resume", "--workers", "1"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert (
        f"{folder}: was produced by different code (sim/ sha256 abababababab... vs {io.code_sha256()[:12]}" in lines[0]
    )
    assert "rerun without --resume into another --out, or check out commit 0123456789abcdef" in lines[0]
    assert (folder / "manifest.json").read_text() == before and not (folder / LOCK).exists()


def test_resume_of_a_folder_from_a_dirty_checkout_says_so(tmp_path, finished):
    folder = with_manifest(finished, tmp_path, code_sha256="ab" * 32, git_commit="0123abc-dirty")
    with pytest.raises(ScenarioError, match=r"check out commit 0123abc to resume it \(it had uncommitted changes"):
        sweep(finished[0], folder, resume=True)


def test_resume_of_a_folder_that_records_no_code_identity_is_refused(tmp_path, finished):
    folder = with_manifest(finished, tmp_path, code_sha256=None)
    with pytest.raises(ScenarioError, match="records no code identity .*rerun without --resume into another --out"):
        sweep(finished[0], folder, resume=True)
