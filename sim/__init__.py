"""Kerjasama: an agent-based simulator of cooperation between villages.

Public API::

    from sim import VillageModel, load_scenario, ScenarioError
    m = VillageModel(scenario="default", rng=42, n_villages=60, steps=40)
    m.run()
    m.summary()
    m.timeseries()  # per step; m.datacollector holds the same rows, and the summary in its last row
"""

from sim.compile_cache import invalidate_if_stale

invalidate_if_stale()  # before any compiled rule runs: an edited rule always takes effect

from sim.lazy import lazy_exports  # noqa: E402

# Imported on first use, so that `kerjasama --help`, a one-line error or `import sim.scenario`
# never pay for Mesa, pandas and Numba (seconds to import).
__getattr__ = lazy_exports(
    __name__,
    {
        "VillageModel": "sim.model",
        "ScenarioError": "sim.scenario",
        "VillageScenario": "sim.scenario.loaded",
        "load_scenario": "sim.scenario",
    },
)
__all__ = ["ScenarioError", "VillageModel", "VillageScenario", "load_scenario"]
__version__ = "0.1.0"
