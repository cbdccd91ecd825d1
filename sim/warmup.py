"""Compile the villages' rules once (``python -m sim.warmup``; ``make`` runs it after installing).

Numba compiles the rules (``sim/decisions.py`` and what it inlines, the life cycle,
learning on ties...) the first time a model runs (about half a minute on 2 cores)
and caches the machine code in ``sim/__pycache__``; later runs, in any process, load
it in a fraction of a second. Running this once after installing moves that wait out
of the first simulation.
"""

from __future__ import annotations

import time


def main() -> None:
    start = time.perf_counter()
    print("Compiling the villages' rules (Numba; once, about half a minute)...", flush=True)
    from sim import VillageModel

    drought = {"kind": "drought", "step": 2, "duration": 1, "intensity": 0.7, "district": -1}
    # every rule a run uses, with a twin and a drought inside the 3 steps (the default's, at step 20, would be cut off)
    model = VillageModel("default", rng=1, n_villages=60, steps=3, **{"shocks.scheduled": [drought]}).run()
    village = model.villages[0]  # and the entry points a single village's view calls
    village.consider_joining(0, 0.5)
    village.consider_leaving(0, 0.5)
    village.seek_partners(1, model.form_list[0])
    village.decide([0, 1, 2], [0.5, 0.5, 0.5])
    print(f"compiled and cached in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
