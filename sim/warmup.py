"""Compile the villages' decisions once (``python -m sim.warmup``; ``make`` runs it after installing).

Numba compiles ``sim/kernel.py`` the first time a model runs (about half a minute on
2 cores) and caches the machine code in ``sim/__pycache__``; later runs, in any
process, load it in a fraction of a second. Running this once after installing moves
that wait out of the first simulation.
"""

from __future__ import annotations

import time


def main() -> None:
    start = time.perf_counter()
    from sim import VillageModel

    VillageModel("default", rng=1, n_villages=60, steps=3).run()  # the compiled engine, with a twin
    VillageModel("default", rng=1, n_villages=30, steps=1, engine="python").run()  # the helpers it calls
    print(f"sim.kernel compiled and cached in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
