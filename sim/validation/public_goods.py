"""The linear public goods game: contributing pays exactly when r > G, and the villages'
reinforcement learners find it."""

from __future__ import annotations

import numpy as np

from sim import behaviour
from sim.classic import SpatialGame, load_classic
from sim.validation.check import SEED, Check


def public_goods(quick: bool) -> list[Check]:
    rows = []
    # 1. exactly: contributing changes one's own payoff by c (r/G - 1), whatever the others do
    cases = agree = 0
    for group in range(2, 11):
        for ratio in (0.5, 0.9, 0.99, 1.0, 1.01, 1.1, 2.0):
            r = ratio * group
            for others in range(group):
                contributes = np.zeros(group, dtype=bool)
                contributes[1 : 1 + others] = True
                labels = np.zeros(group, dtype=np.int64)
                as_d = behaviour.public_good_payoff(contributes, labels, 1, r, 1.0)[0]
                contributes[0] = True
                as_c = behaviour.public_good_payoff(contributes, labels, 1, r, 1.0)[0]
                gain = as_c - as_d
                sign = 0 if abs(gain) <= 1e-9 else (1 if gain > 0 else -1)
                cases += 1
                agree += sign == (0 if ratio == 1.0 else (1 if ratio > 1.0 else -1))
    rows.append(
        Check(
            "Public goods: contributing lowers one's payoff exactly when r < G",
            "linear public goods game (e.g. Hauert et al. 2002)",
            "payoff(C) - payoff(D) = c (r/G - 1) for any others",
            f"{agree}/{cases} cases",
            "all (|difference| <= 1e-9 counts as 0)",
            agree == cases,
            "sim.behaviour.public_good_payoff, G = 2..10, r/G in 0.5..2, every number of other contributors",
        )
    )
    # 2. learners (the villages' reinforcement rule) stop contributing exactly when r < G
    factors = np.array([0.6, 0.8, 0.9, 1.1, 1.2, 1.4])
    sc = load_classic("classic/public_goods")
    group = sc.get("game.group_size")
    rates = []
    for f in factors:
        m = SpatialGame(sc, rng=SEED, **{"game.r": float(f * group)}).run()
        rates.append(m.summary()["classic.cooperator_fraction_mean"])
    rates = np.array(rates)
    crossing = _crossing(factors, rates, 0.5)
    ok = bool(np.all((rates > 0.5) == (factors > 1.0))) and crossing is not None and abs(crossing - 1.0) <= 0.1
    p = sc.params
    rows.append(
        Check(
            "Public goods: learners contribute (> 1/2) exactly when r > G",
            "defection dominant iff r < G",
            "r/G = 1",
            f"r/G = {crossing:.3f}; rates " + ", ".join(f"{v:.2f}" for v in rates) if crossing else "no crossing",
            "+- 0.1",
            ok,
            f"public_goods: {p['lattice']['size']} players, G={group}, r/G = "
            + ", ".join(f"{f:g}" for f in factors)
            + f", reinforcement (rate {p['learning']['rate']:g}, T {p['learning']['temperature']:g}), "
            f"window {p['burn_in'] + 1}-{p['steps']}, seed {SEED}",
        )
    )
    return rows


def _crossing(x: np.ndarray, y: np.ndarray, level: float) -> float | None:
    """Where the piecewise-linear curve through (x, y) first crosses ``level``."""
    for i in range(len(x) - 1):
        if (y[i] - level) * (y[i + 1] - level) <= 0 and y[i] != y[i + 1]:
            return float(x[i] + (level - y[i]) * (x[i + 1] - x[i]) / (y[i + 1] - y[i]))
    return None
