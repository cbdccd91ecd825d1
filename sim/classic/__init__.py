"""Classic games: a small spatial-game model that reproduces published cooperation results.

Scenario files in ``scenarios/classic/`` say ``model = "spatial_game"`` and run through the
same ``kerjasama run`` as the village scenarios (``--set`` works on their keys), writing the
same outputs. ``scenarios/classic/nowak_may.toml`` holds the default of every key, with its
meaning; every other classic file ``extends`` it. Three games, each with its own update:

* ``prisoners_dilemma`` on a square lattice (Nowak & May 1992): every player plays its
  neighbours (and itself), scores R = 1, T = b, S = P = 0, then takes the strategy of the
  best-scoring player among itself and its neighbours -- the villages' own
  :func:`sim.behaviour.imitate_best` -- ``synchronous``\\ ly (all at once) or
  ``asynchronous``\\ ly (random sequential order, one sweep of L x L single-cell updates
  per step);
* ``donation`` on a regular graph with ``death_birth`` updating under weak selection
  (Ohtsuki, Hauert, Lieberman & Nowak 2006), many independent replicas at once, to
  estimate the fixation probability of one cooperator;
* ``public_goods`` in a well-mixed population re-grouped at random every step, whose
  players learn with the villages' :func:`sim.behaviour.reinforcement` rule and are paid by
  :func:`sim.behaviour.public_good_payoff`.

Scores of the prisoner's dilemma are exact integers: ``b`` is read as the decimal written in
the file (1.9 = 19/10 = p/q) and scores are kept in units of 1/q, so a cooperator with n
cooperators around it (itself included) scores q x n and a defector p x n; comparisons are
integer comparisons and no spurious ties (or missed ties) can occur.

Everything is vectorised with numpy: lattices are updated with shifted copies (``np.pad``
with ``wrap`` for periodic boundaries, with an empty border for fixed ones), and death-birth
replicas are the rows of one array. See docs/validation.md.

The package, from the bottom up (imports go down only):

* ``lattice``: the Nowak-May lattice: exact scores, synchronous and asynchronous updates;
* ``death_birth``: regular graphs, exact fixation results, death-birth replicas;
* ``public_goods``: the re-grouped population of reinforcement learners;
* ``scenario``: every key of a classic scenario declared once (``PARAMETERS``), loading and
  validation on the shared scenario loader (``sim.scenario``);
* ``model``: :class:`SpatialGame`, the Mesa model that runs one scenario;
* ``outputs``: figures, the printed summary, the results folder, ``kerjasama check``'s line.
"""

from sim.lazy import lazy_exports

# Each name is imported on first use: `kerjasama check` of a classic file needs only
# ``scenario`` (no Numba kernels, no Mesa); a run imports the game it plays.
__getattr__ = lazy_exports(
    __name__,
    {
        "DeathBirthReplicas": "sim.classic.death_birth",
        "DonationGame": "sim.classic.death_birth",
        "cycle_fixation_exact": "sim.classic.death_birth",
        "fixation_estimates": "sim.classic.death_birth",
        "graph_shape": "sim.classic.shapes",
        "initial_replicas": "sim.classic.death_birth",
        "regular_graph": "sim.classic.death_birth",
        "threshold_bc": "sim.classic.death_birth",
        "MAX_DENOMINATOR": "sim.classic.shapes",
        "OFFSETS": "sim.classic.shapes",
        "LatticeGame": "sim.classic.lattice",
        "asynchronous_sweep": "sim.classic.lattice",
        "best_neighbour": "sim.classic.lattice",
        "exact_ratio": "sim.classic.shapes",
        "initial_lattice": "sim.classic.lattice",
        "pd_scores": "sim.classic.lattice",
        "synchronous_step": "sim.classic.lattice",
        "GAME_CLASSES": "sim.classic.model",
        "STREAM_INIT": "sim.classic.model",
        "STREAM_UPDATE": "sim.classic.model",
        "SpatialGame": "sim.classic.model",
        "describe": "sim.classic.outputs",
        "figures": "sim.classic.outputs",
        "print_summary": "sim.classic.outputs",
        "write_run": "sim.classic.outputs",
        "PublicGoodsGame": "sim.classic.public_goods",
        "CLASSIC_CHAIN": "sim.classic.scenario",
        "GAME_NEIGHBOURHOODS": "sim.classic.scenario",
        "GAME_UPDATES": "sim.classic.scenario",
        "GAMES": "sim.classic.scenario",
        "MAX_LATTICE_SIDE": "sim.classic.scenario",
        "MAX_REPLICA_CELLS": "sim.classic.scenario",
        "MODEL_NAME": "sim.classic.scenario",
        "NEIGHBOURHOODS": "sim.classic.scenario",
        "PARAMETERS": "sim.classic.scenario",
        "PATTERNS": "sim.classic.scenario",
        "ROOT": "sim.classic.scenario",
        "TABLES": "sim.classic.scenario",
        "UPDATES": "sim.classic.scenario",
        "ClassicScenario": "sim.classic.model",
        "classic_scenarios": "sim.classic.scenario",
        "is_spatial_game": "sim.classic.scenario",
        "load_classic": "sim.classic.scenario",
        "validate": "sim.classic.scenario",
    },
)

__all__ = [
    "CLASSIC_CHAIN",
    "GAMES",
    "GAME_NEIGHBOURHOODS",
    "GAME_UPDATES",
    "MAX_DENOMINATOR",
    "MAX_LATTICE_SIDE",
    "MAX_REPLICA_CELLS",
    "MODEL_NAME",
    "NEIGHBOURHOODS",
    "OFFSETS",
    "PATTERNS",
    "ROOT",
    "PARAMETERS",
    "STREAM_INIT",
    "STREAM_UPDATE",
    "TABLES",
    "UPDATES",
    "ClassicScenario",
    "DeathBirthReplicas",
    "DonationGame",
    "GAME_CLASSES",
    "LatticeGame",
    "PublicGoodsGame",
    "SpatialGame",
    "asynchronous_sweep",
    "best_neighbour",
    "classic_scenarios",
    "cycle_fixation_exact",
    "describe",
    "exact_ratio",
    "figures",
    "fixation_estimates",
    "graph_shape",
    "initial_lattice",
    "initial_replicas",
    "is_spatial_game",
    "load_classic",
    "pd_scores",
    "print_summary",
    "regular_graph",
    "synchronous_step",
    "threshold_bc",
    "validate",
    "write_run",
]
