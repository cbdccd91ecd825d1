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

from sim.classic.death_birth import (
    DeathBirthReplicas,
    DonationGame,
    cycle_fixation_exact,
    fixation_estimates,
    graph_shape,
    initial_replicas,
    regular_graph,
    threshold_bc,
)
from sim.classic.lattice import (
    MAX_DENOMINATOR,
    OFFSETS,
    LatticeGame,
    asynchronous_sweep,
    best_neighbour,
    exact_ratio,
    initial_lattice,
    pd_scores,
    synchronous_step,
)
from sim.classic.model import GAME_CLASSES, STREAM_INIT, STREAM_UPDATE, SpatialGame
from sim.classic.outputs import describe, figures, print_summary, write_run
from sim.classic.public_goods import PublicGoodsGame
from sim.classic.scenario import (
    CLASSIC_CHAIN,
    GAME_NEIGHBOURHOODS,
    GAME_UPDATES,
    GAMES,
    MAX_LATTICE_SIDE,
    MAX_REPLICA_CELLS,
    MODEL_NAME,
    NEIGHBOURHOODS,
    PARAMETERS,
    PATTERNS,
    ROOT,
    TABLES,
    UPDATES,
    ClassicScenario,
    classic_scenarios,
    is_spatial_game,
    load_classic,
    validate,
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
