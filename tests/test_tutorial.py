"""docs/tutorial.md stays true: every ```sh block in it is executed, in order.

* ``kerjasama ...`` runs as ``sys.executable -m sim ...`` (a shell function), each block as
  one bash script with ``set -euo pipefail``, in a temporary working folder that links the
  repository's ``sim/`` and ``scenarios/`` (so ``grep ... sim/agents.py`` reads the code);
* ``kerjasama explore`` is started on a free loopback port, stopped (its process group)
  once its page answers;
* ``pip install -e '.[EXTRA]'`` is not run (it would reinstall the project): the test
  checks instead that each extra exists and that its packages are installed, so the
  command would find everything in place.

The names of the explorer's controls and panels that the tutorial quotes are checked
against sim/app.py.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
TEXT = TUTORIAL.read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```sh\n(.*?)^```", TEXT, flags=re.S | re.M)
PRELUDE = f'set -euo pipefail\nkerjasama() {{ "{sys.executable}" -m sim "$@"; }}\n'
# explorer labels the tutorial quotes (italic or bold); each must exist in sim/app.py
UI_LABELS = [
    "Colour villages by",
    "drought or flood this year",
    "Allow formal",
    "The controls",
    "Coop. threshold",
    "Trust and contributions",
    "Behaviour rule",
    "enforcement",
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tutorial")
    for name in ("sim", "scenarios"):
        (folder / name).symlink_to(ROOT / name, target_is_directory=True)
    return folder


def test_the_tutorial_has_the_promised_steps():
    commands = "\n".join(BLOCKS)
    for needed in (
        "kerjasama run",
        "kerjasama explore",
        "sim/agents.py",
        "behaviour.threshold_mean",
        "kerjasama sweep",
    ):
        assert needed in commands, needed
    assert len(BLOCKS) >= 6


def test_the_labels_it_quotes_are_on_the_page():
    import sim.app

    labels = " | ".join(c.label for c in sim.app.scenario_controls("default"))
    source = (ROOT / "sim" / "app.py").read_text(encoding="utf-8") + labels
    for label in UI_LABELS:
        assert label in TEXT, label
        assert label in source, f"the tutorial quotes {label!r}, which sim/app.py no longer shows"


def test_the_address_it_gives_is_the_explorer_default():
    from sim.cli import build_parser

    args = build_parser().parse_args(["explore"])
    assert f"http://{args.host}:{args.port}" in TEXT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _install_block(block: str) -> None:
    """Check ``pip install -e '.[extra]'``: the extras exist and their packages are installed."""
    from packaging.requirements import Requirement

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for line in filter(None, (ln.strip() for ln in block.splitlines())):
        words = shlex.split(line)
        assert words[:3] == ["pip", "install", "-e"] and len(words) == 4, line
        match = re.fullmatch(r"\.\[([\w,-]+)\]", words[3])
        assert match, line
        for extra in match.group(1).split(","):
            assert extra in extras, f"{line}: no extra {extra!r} in pyproject.toml"
            for text in extras[extra]:
                req = Requirement(text)
                if req.name == "kerjasama":
                    continue
                version = metadata.version(req.name)  # raises if not installed
                assert req.specifier.contains(version, prereleases=True), f"{req.name} {version} is not {req}"


def _explore_block(block: str, cwd: Path) -> None:
    """Start ``kerjasama explore ...`` on a free port, wait for its page, stop it."""
    lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("kerjasama explore"), block
    port = _free_port()
    log = cwd / "explore.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", *shlex.split(lines[0])[1:], "--port", str(port)],
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                assert proc.poll() is None, f"explore exited with {proc.returncode}: {log.read_text()}"
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"explore did not answer in 120 s: {log.read_text()}"
                time.sleep(0.3)
            assert f"http://127.0.0.1:{port}" in log.read_text()  # it tells the student where to look
        finally:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if proc.poll() is not None:
                    break
                try:
                    os.killpg(proc.pid, sig)
                    proc.wait(timeout=15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    continue


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_every_command_block_runs(index, workdir):
    block = BLOCKS[index]
    if "pip install" in block:
        _install_block(block)
        return
    if "kerjasama explore" in block:
        _explore_block(block, workdir)
        return
    started = time.monotonic()
    result = subprocess.run(
        ["bash", "-c", PRELUDE + block],
        cwd=workdir,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert result.returncode == 0, (
        f"tutorial block {index} failed ({result.returncode}) after {time.monotonic() - started:.1f} s:\n"
        f"{block}\n--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
