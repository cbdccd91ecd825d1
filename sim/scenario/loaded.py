"""The loaded scenario objects: Mesa's ``Scenario`` carrying a checked parameter tree.

Kept apart from the loader (``sim.scenario.load``) so that reading and checking a scenario
file, and every one-line error about one, never import Mesa (about a second).
"""

from __future__ import annotations

import copy
from typing import Any

from mesa.experimental.scenarios import Scenario

from sim.scenario.load import flatten, value_at


class LoadedScenario(Scenario):
    """A scenario file after loading and checking: Mesa's ``Scenario`` (carrying the
    run's ``rng``) with ``name``, ``source`` (the file), ``params`` (the checked
    parameter tree), ``raw`` (the merged tree before checking) and ``overrides``."""

    def get(self, path: str) -> Any:
        """The value at a dotted key path, e.g. ``"forms.formal.enforcement"``."""
        return value_at(self.params, path)

    def flat(self) -> dict[str, Any]:
        """All parameters as one flat ``{dotted.key: value}`` dict (for manifests)."""
        return flatten(self.params)

    def with_rng(self, rng: Any):
        """The same scenario carrying another ``rng`` (a fresh object, never shared)."""
        return type(self)(
            rng=rng,
            name=self.name,
            source=self.source,
            params=copy.deepcopy(self.params),
            raw=copy.deepcopy(self.raw),
            overrides=dict(self.overrides),
        )


class VillageScenario(LoadedScenario):
    """A loaded, validated village scenario; what ``model.scenario`` holds.

    It is Mesa's :class:`~mesa.experimental.scenarios.Scenario` (so it carries the
    run's ``rng`` and Mesa tools see one consistent object) with these parameters:

    * ``name``: the scenario's name; ``source``: the file it came from;
    * ``params``: the resolved parameter tree (nested dicts) after ``extends`` and
      overrides, all money in poverty-line units (each file's and each override's
      own currency converted with its ``economy.poverty_line``);
    * ``overrides``: the dotted overrides that were applied.
    """

    def without_scheduled_shocks(self) -> VillageScenario:
        """The counterfactual scenario: identical, but no scheduled shock."""
        twin = self.with_rng(self.rng)
        twin.params["shocks"]["scheduled"] = []
        twin.raw["shocks"]["scheduled"] = []
        return twin
