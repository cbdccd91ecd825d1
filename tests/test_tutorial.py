"""docs/tutorial.md stays true: every ```sh block in it is executed, in order, and every
edit of the code it asks for is made and shows what the tutorial says it shows.

* ``kerjasama ...`` runs as ``sys.executable -m sim ...`` (a shell function), each block as
  one bash script with ``set -euo pipefail``, in a temporary working folder that links the
  repository's ``sim/`` and ``scenarios/`` (so ``grep ... sim/decisions.py`` reads the code);
* a ```diff block (first line ``# sim/FILE.py, in FUNCTION``; lines marked ``-`` go, ``+``
  come, `` `` stay) is an edit: it is applied to a fresh COPY of ``sim/`` in another
  temporary folder (never to the repository's), and the blocks after it, to the end of its
  section, run with that copy imported (``PYTHONPATH`` and the working folder; checked);
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
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
TEXT = TUTORIAL.read_text(encoding="utf-8")
PRELUDE = f'set -euo pipefail\nkerjasama() {{ "{sys.executable}" -m sim "$@"; }}\n'


@dataclass(frozen=True)
class Block:
    kind: str  # "sh" or "diff"
    text: str
    section: str  # its section's heading


def _blocks(text: str) -> list[Block]:
    found = []
    for section in re.split(r"^(?=## )", text, flags=re.M):
        title = section.splitlines()[0].lstrip("# ").strip() if section.strip() else ""
        for match in re.finditer(r"^```(sh|diff)\n(.*?)^```", section, flags=re.S | re.M):
            found.append(Block(match.group(1), match.group(2), title))
    return found


ALL_BLOCKS = _blocks(TEXT)
BLOCKS = [b.text for b in ALL_BLOCKS if b.kind == "sh"]
# sections that edit the code: run by test_each_edit_shows_what_the_tutorial_says
EDIT_SECTIONS = list(dict.fromkeys(b.section for b in ALL_BLOCKS if b.kind == "diff"))
PLAIN_BLOCKS = [b.text for b in ALL_BLOCKS if b.kind == "sh" and b.section not in EDIT_SECTIONS]
# explorer labels the tutorial quotes (italic or bold); each must exist in sim/app.py
UI_LABELS = [
    "Colour villages by",
    "drought or flood this year",
    "Allow formal",
    "The controls",
    "Coop. threshold",
    "Trust and contributions",
    "Participation by domain",
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
        "sim/decisions.py",
        "sim/behaviour.py",
        "behaviour.threshold_mean",
        "NUMBA_DISABLE_JIT=1",
        "kerjasama sweep",
    ):
        assert needed in commands, needed
    assert len(BLOCKS) >= 6
    assert [b.section for b in ALL_BLOCKS if b.kind == "diff"], "the tutorial must make the student edit a rule"


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


def _explore_block(block: str, cwd: Path, env: dict | None = None) -> None:
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
            env=env,
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


def _run(block: str, cwd: Path, env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    started = time.monotonic()
    result = subprocess.run(
        ["bash", "-c", PRELUDE + block],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        timeout=600,
        env=env,
    )
    result.seconds = time.monotonic() - started
    return result


def _failed(result: subprocess.CompletedProcess, block: str) -> str:
    return (
        f"tutorial block failed ({result.returncode}) after {result.seconds:.1f} s:\n"
        f"{block}\n--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )


BASE_ENV = {**os.environ, "MPLBACKEND": "Agg"}


@pytest.mark.parametrize("index", range(len(PLAIN_BLOCKS)), ids=[f"block{i}" for i in range(len(PLAIN_BLOCKS))])
def test_every_command_block_runs(index, workdir):
    block = PLAIN_BLOCKS[index]
    if "pip install" in block:
        _install_block(block)
        return
    if "kerjasama explore" in block:
        _explore_block(block, workdir)
        return
    result = _run(block, workdir, BASE_ENV)
    assert result.returncode == 0, _failed(result, block)


# --- the edits ---------------------------------------------------------------------------
def apply_edit(diff: str, root: Path) -> Path:
    """Make the edit a ```diff block describes in the copy of the code under ``root``:
    its ``-`` and `` `` lines must be there, once, inside the function it names. Returns
    the edited file."""
    header, *lines = diff.splitlines()
    match = re.fullmatch(r"# (sim/[\w/]+\.py), in (\w+)", header)
    assert match, f"a diff block starts with '# sim/FILE.py, in FUNCTION', not {header!r}"
    path, function = match.groups()
    assert lines and all(line[:1] in (" ", "-", "+") for line in lines), diff
    before = "".join(line[1:] + "\n" for line in lines if line[:1] in " -")
    after = "".join(line[1:] + "\n" for line in lines if line[:1] in " +")
    source_file = root / path
    source = source_file.read_text(encoding="utf-8")
    assert source.count(before) == 1, f"{path} no longer has, once, the lines the tutorial edits:\n{before}"
    start = source.index(f"def {function}(")
    following = re.search(r"^(@|def |class )", source[start + 1 :], flags=re.M)
    end = start + 1 + following.start() if following else len(source)
    assert start < source.index(before) < end, f"the lines the tutorial edits are not in {function} of {path}"
    source_file.write_text(source.replace(before, after), encoding="utf-8")
    return source_file


def copy_of_the_code(folder: Path) -> Path:
    """A copy of the repository's sim/ (with its compile cache, as a student's checkout has
    it) beside a link to scenarios/: what a student edits, without touching the real sim/."""
    folder.mkdir(parents=True)
    shutil.copytree(ROOT / "sim", folder / "sim")
    (folder / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    return folder


def env_for(copy: Path) -> dict:
    return {**BASE_ENV, "PYTHONPATH": str(copy)}


def assert_the_copy_is_imported(copy: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sim; print(sim.__file__)"], cwd=copy, env=env_for(copy),
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    imported = Path(done.stdout.strip()).resolve()
    assert imported.is_relative_to(copy.resolve()), f"the tests ran {imported}, not the edited copy in {copy}"


@dataclass
class Outcome:
    block: str
    stdout: str
    copy: Path | None  # the edited copy it ran with (None: the repository's code)


def run_section(title: str, workdir: Path, scratch: Path) -> list[Outcome]:
    """Run one section of the tutorial as a student would: its blocks in order, each edit
    made on a fresh copy of the code, the blocks after an edit run with that copy."""
    copy, outcomes = None, []
    for n, block in enumerate(b for b in ALL_BLOCKS if b.section == title):
        if block.kind == "diff":
            copy = copy_of_the_code(scratch / f"edit{n}")
            apply_edit(block.text, copy)
            assert_the_copy_is_imported(copy)
            continue
        cwd, env = (copy, env_for(copy)) if copy else (workdir, BASE_ENV)
        if "kerjasama explore" in block.text:
            _explore_block(block.text, cwd, env)
            outcomes.append(Outcome(block.text, "", copy))
            continue
        result = _run(block.text, cwd, env)
        assert result.returncode == 0, _failed(result, block.text)
        outcomes.append(Outcome(block.text, result.stdout, copy))
    return outcomes


def summaries(stdout: str) -> list[str]:
    """The printed run summaries in a block's output, one string each."""
    return ["Scenario " + part for part in stdout.split("Scenario ")[1:]]


def participation(summary: str) -> tuple[float, float, float]:
    match = re.search(r"participation: agriculture ([\d.]+), services ([\d.]+), infrastructure ([\d.]+)", summary)
    assert match, summary
    return tuple(float(x) for x in match.groups())


def welfare_line(summary: str) -> str:
    return next(line for line in summary.splitlines() if line.strip().startswith("welfare"))


EXPLORER_PAGE = (  # what the explorer's page steps: ExplorerModel of the scenario, as Page() builds it
    "from sim.controls import ExplorerModel; m = ExplorerModel(scenario_name='default'); "
    "[m.step() for _ in range(10)]; ts = m.timeseries(); "
    "print(max(ts[c].max() for c in ts.columns if c.startswith('participation_')), len(m.partnership_ties()[0]))"
)


def explorer_after_ten_years(cwd: Path, env: dict) -> tuple[float, int]:
    """(highest participation in any domain, ties on the map) after ten years on the page."""
    done = subprocess.run([sys.executable, "-c", EXPLORER_PAGE], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    most, ties = done.stdout.split()
    return float(most), int(ties)


def test_the_sections_that_edit_code_are_the_ones_checked_below():
    assert EDIT_SECTIONS == [
        "5. Change a rule in the code (10 minutes)",
        "6. Step through a decision in plain Python (5 minutes)",
    ]


def test_perfectly_rational_villages_still_cooperate_where_a_partner_offers_a_gain(workdir, tmp_path):
    """Section 5: after the edit, kerjasama run prints a participation line that moved but
    is not zero (rational villages value untried forms at their best prospect), a welfare
    line that is not autarky's, and the explorer's page shows ties and participation, as it
    did before the edit."""
    before, after, explore = run_section(EDIT_SECTIONS[0], workdir, tmp_path)
    assert before.copy is None and after.copy is not None and explore.copy is after.copy
    (unedited,) = summaries(before.stdout)
    rational, autarky = summaries(after.stdout)
    assert max(participation(unedited)) > 0.2, unedited
    assert participation(rational) != participation(unedited), rational
    assert max(participation(rational)) > 0.2, rational
    assert welfare_line(rational) != welfare_line(autarky)
    most, ties = explorer_after_ten_years(after.copy, env_for(after.copy))
    assert most > 0.2 and ties > 0
    most, ties = explorer_after_ten_years(workdir, BASE_ENV)
    assert most > 0.2 and ties > 0


def test_the_rule_it_asks_to_try_is_there():
    """Section 5's "Try yourself" quotes a line of sim/behaviour.py and a part to delete."""
    line = "return first_step | deterred | (signal >= threshold * (1.0 - threshold_discount * identity))"
    assert f"`{line}`" in TEXT and "--set behaviour.opening=good_faith" in TEXT
    source = (ROOT / "sim" / "behaviour.py").read_text(encoding="utf-8")
    assert source.count(line) == 1
    assert "def conditional_cooperation(" in source[: source.index(line)]


def test_plain_python_prints_each_decision_and_stops_in_the_debugger(workdir, tmp_path):
    """Section 6: under NUMBA_DISABLE_JIT=1 the print added to consider_joining prints a line
    per decision; with breakpoint() in its place the same command stops at the (Pdb) prompt."""
    (printed,) = run_section(EDIT_SECTIONS[1], workdir, tmp_path)
    decisions = re.findall(r"^village (\d+) domain ([012]) values \[([^\]]*)\] choice (\d+)$", printed.stdout, re.M)
    assert len(decisions) > 10, printed.stdout[-2000:]
    for _, _, values, choice in decisions:
        numbers = [float(v) for v in values.split()]
        assert numbers[0] == 0.0 and int(choice) < len(numbers)  # staying alone is worth 0
    assert "Scenario default" not in printed.stdout  # --quiet: no summary
    # the debugger: the print line replaced by breakpoint(), as the tutorial says
    (diff,) = [b.text for b in ALL_BLOCKS if b.kind == "diff" and b.section == EDIT_SECTIONS[1]]
    print_line = next(line for line in diff.splitlines() if line.startswith("+"))
    assert "`breakpoint()`" in TEXT and "replace the `print(...)` line with `breakpoint()`" in TEXT
    copy = copy_of_the_code(tmp_path / "debugger")
    apply_edit(diff.replace(print_line, "+" + print_line[1:].split("print")[0] + "breakpoint()"), copy)
    result = _run(printed.block, copy, env_for(copy), stdin="p values[: count + 1]\nq\n")
    assert "(Pdb)" in result.stdout, _failed(result, printed.block)
    assert re.search(r"\(Pdb\) array\(\[ ?0\.", result.stdout), result.stdout[-2000:]  # the values, staying alone first
