"""Nowak & May's spatial Prisoner's Dilemma (Nature 1992): the cooperator fraction from a
random start, the invariance in b inside (9/5, 2), the kaleidoscope from one defector, the
regimes below 1.8 and above 2, and the collapse under asynchronous updating (Huberman &
Glance 1993)."""

from __future__ import annotations

import math

from sim.classic import SpatialGame
from sim.validation.check import SEED, Check

NOWAK_MAY_LIMIT = 12 * math.log(2) - 8  # 0.3178: Nowak & May's asymptotic cooperator fraction for 1.8 < b < 2
INDEPENDENT_PERIODIC = 0.3155  # an independent exact implementation, periodic boundaries, L = 50 .. 800
INDEPENDENT_FIXED_EXCESS = 0.95  # ... and about 0.95 / L more with fixed boundaries


def _settings(model: SpatialGame) -> str:
    p = model.params
    size = p["lattice"]["size"]
    return (
        f"{model.scenario.name}: {size}x{size} {p['lattice']['boundary']}, b={p['game']['b']:g}, "
        f"{p['update']}, {p['steps']} steps, window {p['burn_in'] + 1}-{p['steps']}, seed {model.seed}"
    )


def nowak_may_random(quick: bool) -> list[Check]:
    size, steps, burn = (100, 300, 100) if quick else (400, 600, 200)
    rows = []
    for boundary in ("periodic", "fixed"):
        m = SpatialGame(
            "classic/nowak_may",
            rng=SEED,
            **{"lattice.size": size, "lattice.boundary": boundary, "steps": steps, "burn_in": burn},
        ).run()
        value = m.summary()["classic.cooperator_fraction_mean"]
        if boundary == "periodic":
            rows.append(
                Check(
                    "Nowak & May: cooperators, random start, 1.8 < b < 2",
                    "Nowak & May 1992, Nature 359:826",
                    f"12 ln 2 - 8 = {NOWAK_MAY_LIMIT:.4f} (independent exact code: {INDEPENDENT_PERIODIC} +- 0.001)",
                    f"{value:.4f}",
                    "+- 0.01 of 0.318",
                    abs(value - NOWAK_MAY_LIMIT) <= 0.01,
                    _settings(m),
                )
            )
        else:
            expected = INDEPENDENT_PERIODIC + INDEPENDENT_FIXED_EXCESS / size
            rows.append(
                Check(
                    "Nowak & May: same, fixed boundaries",
                    "independent exact implementation (issue 5): 0.3155 + 0.95/L",
                    f"{expected:.4f}",
                    f"{value:.4f}",
                    "+- 0.005",
                    abs(value - expected) <= 0.005,
                    _settings(m),
                )
            )
    return rows


def nowak_may_b_invariance(quick: bool) -> list[Check]:
    """Inside (9/5, 2) no score comparison depends on b: every b gives the same trajectory."""
    size, steps = (100, 100) if quick else (200, 300)
    values = (1.81, 1.85, 1.9, 1.95, 1.99)
    trajectories = []
    for b in values:
        m = SpatialGame("classic/nowak_may", rng=SEED, **{"lattice.size": size, "steps": steps, "game.b": b})
        states = [m.lattice.cooperate.tobytes()]
        while m.running:
            m.step()
            states.append(m.lattice.cooperate.tobytes())
        trajectories.append(states)
    identical = all(t == trajectories[0] for t in trajectories[1:])
    return [
        Check(
            "Nowak & May: every b in (9/5, 2) gives the same run",
            "exact scores (no ties inside (9/5, 2))",
            "bit-identical lattices",
            f"{'identical' if identical else 'DIFFERENT'} at all {steps} steps for b = "
            + ", ".join(f"{b:g}" for b in values),
            "exact",
            identical,
            f"nowak_may: {size}x{size} periodic, random start 0.9, same seed {SEED}",
        )
    ]


def nowak_may_kaleidoscope(quick: bool) -> list[Check]:
    m = SpatialGame("classic/nowak_may_kaleidoscope", rng=SEED, steps=100).run()
    s = m.summary()
    ok = s["classic.first_edge_step"] == 49 and s["classic.symmetric"] is True
    return [
        Check(
            "Nowak & May: kaleidoscope from one defector",
            "Nowak & May 1992, Fig. 3",
            "first reaches the edge at step 49; four-fold symmetric",
            f"step {s['classic.first_edge_step']}; "
            + ("symmetric at every step" if s["classic.symmetric"] else "NOT symmetric"),
            "exact",
            ok,
            "nowak_may_kaleidoscope: 99x99 fixed, b=1.9, one D in the centre, 100 steps",
        )
    ]


def nowak_may_regimes(quick: bool) -> list[Check]:
    size = 100 if quick else 200
    rows = []
    m = SpatialGame("classic/nowak_may_clusters", rng=SEED, **{"lattice.size": size}).run()
    s = m.summary()
    mean, static = s["classic.cooperator_fraction_mean"], s["classic.static_cooperator_share"]
    rows.append(
        Check(
            "Nowak & May: b < 1.8, static cooperator clusters",
            "Nowak & May 1992",
            "C clusters cannot be invaded: C the majority, most cells C throughout",
            f"C {mean:.3f}; cells C at every step of the window {static:.3f}",
            "both > 1/2",
            mean > 0.5 and static > 0.5,
            _settings(m),
        )
    )
    m = SpatialGame("classic/nowak_may_defection", rng=SEED, **{"lattice.size": size}).run()
    s = m.summary()
    mean, period = s["classic.cooperator_fraction_mean"], s["classic.period"]
    rows.append(
        Check(
            "Nowak & May: b > 2, defection takes over",
            "Nowak & May 1992",
            "D clusters grow, C clusters shrink: (nearly) all D",
            f"C {mean:.3f}; {'frozen' if period == 1 else f'period {period}'}",
            "C < 0.1",
            mean < 0.1,
            _settings(m),
        )
    )
    return rows


def nowak_may_asynchronous(quick: bool) -> list[Check]:
    size = 50 if quick else 200
    m = SpatialGame("classic/nowak_may_asynchronous", rng=SEED, **{"lattice.size": size}).run()
    s = m.summary()
    mean = s["classic.cooperator_fraction_mean"]
    return [
        Check(
            "Asynchronous updating, b = 1.9",
            "Huberman & Glance 1993, PNAS 90:7716",
            "collapses to (nearly) all defectors",
            f"C {mean:.4f} (final {s['classic.cooperator_fraction_final']:.4f})",
            "C <= 0.05",
            mean <= 0.05,
            _settings(m) + "; one step = one random sequential sweep",
        )
    ]
