"""Fast start: `kerjasama --help` and every one-line error import none of the heavy
libraries (Mesa, pandas, Numba, matplotlib, SciPy), which take seconds to import; the times
themselves are measured by ``benchmarks/bench_cli.py --startup``, not asserted here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("mesa", "pandas", "numba", "matplotlib", "scipy", "pyarrow", "networkx")

PROBE = """
import json, sys
import sim.cli
try:
    status = sim.cli.main(json.loads(sys.argv[1]))
except SystemExit as exit:
    status = exit.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(sys.argv[2])))
print(json.dumps({"status": status, "heavy": heavy}), file=sys.__stdout__)
"""


def _probe(argv: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY)], capture_output=True, text=True, timeout=60
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["run", "--help"],
        ["run", "defualt"],  # a mistyped name
        ["run", "default", "--set", "forms.formal.x=1"],  # an unknown key
        ["run", "default", "--set", "economy.poverty_line=-1"],  # a value out of range
        ["run", "default", "--seed", "-3"],  # a bad flag
        ["check", "scenarios/nosuch.toml"],
        ["check", "partnership_forms"],  # an experiment where a scenario belongs
        ["run", "classic/nowak_may", "--set", "game.b=-1"],  # a classic game's bad value
        ["sweep", "nosuch"],
        ["report", "/nonexistent/folder"],
    ],
)
def test_help_and_one_line_errors_import_no_heavy_library(argv):
    result = _probe(argv)
    assert result["status"] in (0, 2)
    assert result["heavy"] == [], f"{argv} imported {result['heavy']}"
