"""Kerjasama: an agent-based simulator of cooperation between villages.

Public API::

    from sim import VillageModel, load_scenario, ScenarioError
    m = VillageModel(scenario="default", rng=42, n_villages=60, steps=40)
    m.run()
    m.summary()
    m.datacollector.get_model_vars_dataframe()
"""

from sim.model import VillageModel
from sim.scenario import ScenarioError, VillageScenario, load_scenario

__all__ = ["ScenarioError", "VillageModel", "VillageScenario", "load_scenario"]
__version__ = "0.1.0"
