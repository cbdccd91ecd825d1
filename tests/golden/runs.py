"""Golden runs: the numbers the redesign must not change.

Each case is a small run of a shipped scenario (or a classic game) whose ``summary()``
and per-step table were captured before any code moved (``python -m tests.golden.runs
--capture`` writes ``goldens.json``: the summaries and the hash of each table, and
``timeseries.npz``: the tables' values). ``tests/test_golden.py`` reruns every case and
requires the same summary and per-step table to within :data:`RTOL` relative (and
:data:`ATOL` absolute for values near 0).

Why not bit for bit: on one machine a seed reproduces a run bit for bit, but numpy's
vectorised reductions and elementwise functions, and the machine code Numba compiles,
depend on the processor's vector instructions (AVX2 or AVX-512), so two machines can differ
in the last bits (measured: at most a few units in the 15th significant digit after 25
steps). Any change of the model's rules moves numbers by far more than :data:`RTOL`. A
commit that must change numbers regenerates both files and says which case moved, by how
much, and why.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

GOLDEN_FILE = Path(__file__).with_name("goldens.json")
TABLES_FILE = Path(__file__).with_name("timeseries.npz")
RTOL = 1e-9  # relative: ulp-level differences between processors pass, any change of a rule fails
ATOL = 1e-12  # absolute, for values that are (nearly) 0

# name -> (scenario, seed, model keywords and dotted overrides)
SMALL = {"n_villages": 60, "steps": 25}
CASES: dict[str, tuple[str, int, dict[str, Any]]] = {
    "default, shock and twin": ("default", 1, {**SMALL}),
    "default, shock and twin, seed 7": ("default", 7, {**SMALL}),
    "formal only, low trust": (
        "default",
        2,
        {**SMALL, "cooperation.forms": ["formal"], "behaviour.initial_trust": 0.2},
    ),
    "long-term bundles": ("default", 3, {**SMALL, "cooperation.forms": ["long_term"]}),
    "temporary short terms and informal": (
        "default",
        4,
        {**SMALL, "cooperation.forms": ["temporary", "informal"], "forms.temporary.term": 2},
    ),
    "renewable formal with exit penalty": (
        "default",
        5,
        {**SMALL, "cooperation.forms": ["formal"], "forms.formal.term": 3, "forms.formal.exit_penalty": 0.5},
    ),
    "reinforcement rule": ("default", 6, {**SMALL, "behaviour.rule": "reinforcement"}),
    "imitate-best rule, services mandate": (
        "default",
        8,
        {**SMALL, "behaviour.rule": "imitate_best", "policy.mandate.services": "formal"},
    ),
    "always defect": ("default", 9, {**SMALL, "behaviour.rule": "always_defect"}),
    "always cooperate, equal split, hot logit, subsidies": (
        "default",
        10,
        {
            **SMALL,
            "behaviour.rule": "always_cooperate",
            "services.cost_split": "equal",
            "behaviour.temperature": 0.2,
            "policy.subsidy_setup": 0.5,
            "policy.facilitator_radius": 1.5,
        },
    ),
    "cooperation off": ("default", 11, {**SMALL, "cooperation.forms": []}),
    "india agriculture": ("india_sustainable_agriculture", 12, {**SMALL}),
    "sweden services": ("sweden_shared_services", 13, {**SMALL}),
    "indonesia kerjasama antar desa": ("indonesia_kerjasama_antar_desa", 14, {**SMALL}),
    "canada recreation centre": ("canada_recreation_centre", 15, {**SMALL}),
    "default, full size (results/default)": ("default", 42, {}),
    "classic: Nowak-May": ("classic/nowak_may", 1, {"steps": 20}),
    "classic: Ohtsuki cycle": ("classic/ohtsuki_cycle", 2, {}),
    "classic: public goods": ("classic/public_goods", 3, {"steps": 20}),
}


def table_hash(frame) -> str:
    """SHA-256 of a per-step table: every column, in name order, as float64 bytes (so a
    reordering of columns is not a change; a change of any value is)."""
    digest = hashlib.sha256()
    for name in sorted(frame.columns):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(frame[name].to_numpy(dtype=np.float64)).tobytes())
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    """A summary value as JSON keeps it exactly (floats by repr; NaN as a string)."""
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return "nan" if math.isnan(value) else value
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def run_case(name: str) -> dict[str, Any]:
    """Run one golden case: its summary (JSON-plain) and the hash of its per-step table."""
    scenario, seed, kwargs = CASES[name]
    if scenario.startswith("classic/"):
        from sim.classic import SpatialGame

        model = SpatialGame(scenario, rng=seed, **kwargs).run()
    else:
        from sim import VillageModel

        model = VillageModel(scenario, rng=seed, **kwargs).run()
    summary = {key: _plain(value) for key, value in model.summary().items()}
    frame = model.timeseries()
    table = {name: frame[name].to_numpy(dtype=np.float64) for name in sorted(frame.columns)}
    return {"summary": summary, "timeseries_sha256": table_hash(frame), "timeseries": table}


def table_key(case: str, column: str) -> str:
    """The key of one column of one case's per-step table in ``timeseries.npz``."""
    return f"{case}::{column}"


def read_tables() -> dict[str, dict[str, np.ndarray]]:
    """Every case's captured per-step table, {case: {column: values}}."""
    tables: dict[str, dict[str, np.ndarray]] = {}
    with np.load(TABLES_FILE) as stored:
        for key in stored.files:
            case, column = key.split("::", 1)
            tables.setdefault(case, {})[column] = stored[key]
    return tables


def capture() -> None:
    runs = {name: run_case(name) for name in CASES}
    goldens = {name: {k: v for k, v in run.items() if k != "timeseries"} for name, run in runs.items()}
    GOLDEN_FILE.write_text(json.dumps(goldens, indent=1, sort_keys=True) + "\n")
    tables = {table_key(name, col): values for name, run in runs.items() for col, values in run["timeseries"].items()}
    with open(TABLES_FILE, "wb") as handle:
        np.savez_compressed(handle, **tables)
    print(f"wrote {len(goldens)} golden runs to {GOLDEN_FILE}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--capture"]:
        sys.exit("usage: python -m tests.golden.runs --capture")
    capture()
