"""Parameter sets drawn from a calibration's posterior (``kerjasama run --posterior FILE``).

A posterior table (``posterior.parquet`` of ``kerjasama calibrate``) holds weighted particles: a
``weight`` column and one column per free parameter, named by its dotted scenario key, in the
scenario file's own units. Drawing a particle in proportion to its weight, with a generator
seeded from the run's seed (``SeedSequence(seed, spawn_key=(DRAW,))``, a stream of its own), and
running the scenario with its values as overrides makes a set of runs with different seeds carry
the parameters' uncertainty as well as replicate noise. Reading a table imports neither pyabc
nor Mesa.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from sim.scenario import ScenarioError
from sim.scenario.schema import parameter

DRAW = 3  # the purpose of the seed sequence that draws particles (sim.calibrate.sampler uses 0-2)
NOT_PARAMETERS = ("particle", "weight", "distance", "generation")


def read_posterior(path: str | Path) -> tuple[Path, list[str], np.ndarray, np.ndarray]:
    """``(file, parameter keys, values (particles x keys), normalised weights)`` of a posterior
    table, or of the ``posterior.parquet`` in a calibration's results folder; one-line errors."""
    import pandas as pd

    file = Path(path)
    if file.is_dir():
        file = file / "posterior.parquet"
    if not file.is_file():
        raise ScenarioError(f"--posterior {path}: no such file (give a posterior.parquet of kerjasama calibrate)")
    try:
        table = pd.read_parquet(file)
    except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
        raise ScenarioError(f"--posterior {file}: not a readable Parquet file ({type(exc).__name__})") from None
    keys = [c for c in table.columns if c not in NOT_PARAMETERS and not c.startswith("simulated.")]
    unknown = [k for k in keys if parameter(k) is None]
    if "weight" not in table.columns or not keys or unknown or table.empty:
        why = (
            f"column {unknown[0]!r} is not a scenario parameter" if unknown else "needs a weight column and parameters"
        )
        raise ScenarioError(f"--posterior {file}: not a posterior table of kerjasama calibrate ({why})")
    weights = table["weight"].to_numpy(dtype=float)
    if not (np.all(weights >= 0) and weights.sum() > 0):
        raise ScenarioError(f"--posterior {file}: weights must be >= 0 with a positive sum")
    return file, keys, table[keys].to_numpy(dtype=float), weights / weights.sum()


def draw(path: str | Path, seed: int, n: int = 1) -> list[tuple[int, dict[str, float]]]:
    """``n`` particles drawn in proportion to their weights (with replacement), seeded by ``seed``:
    each as (its row in the table, {parameter key: value})."""
    _, keys, values, weights = read_posterior(path)
    generator = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DRAW,)))
    rows = generator.choice(len(weights), size=n, p=weights)
    return [(int(row), {k: float(v) for k, v in zip(keys, values[row], strict=True)}) for row in rows]


def posterior_overrides(path: str | Path, seed: int, overrides: dict[str, Any], quiet: bool = False) -> dict:
    """``overrides`` plus one parameter set drawn from the posterior at ``path`` (``--posterior``);
    a parameter also given with ``--set`` is an error (it would be both drawn and fixed)."""
    row, drawn = draw(path, seed)[0]
    clash = sorted(set(drawn) & set(overrides))
    if clash:
        raise ScenarioError(f"--set {clash[0]}: also drawn from --posterior {path}; give it one way")
    if not quiet:
        shown = ", ".join(f"{key} = {value:.4g}" for key, value in drawn.items())
        print(f"Drawn from the posterior (particle {row}, seed {seed}): {shown}", file=sys.stderr)
    return {**overrides, **drawn}
