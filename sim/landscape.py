"""The landscape (ODD 7.1): where the villages are, what they start with, who is near whom.

Villages are drawn once, from the endowment stream (so that two scenarios run with
the same seed face the same villages), around their district centres; then numbered
along a space-filling curve so that neighbours sit near each other in memory. The
spill-over neighbours of a village are those within ``infrastructure.spillover_radius_km``
(physical distance, not ties): a project built nearby benefits them too.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from scipy.sparse import coo_matrix
from scipy.spatial import cKDTree

from sim.domains import agriculture
from sim.state import VillageState


def morton_order(x: np.ndarray, y: np.ndarray, extent: float) -> np.ndarray:
    """Order of points (x, y) in [0, extent]^2 along a Z-order (Morton) curve: points
    near each other in space come mostly near each other in the order."""
    cells = (1 << 16) - 1
    scale = cells / max(extent, 1e-12)

    def spread(v: np.ndarray) -> np.ndarray:  # bits b15..b0 -> b15 0 b14 0 ... 0 b0
        v = np.clip(v * scale, 0, cells).astype(np.uint64)
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    return np.argsort(spread(x) | (spread(y) << np.uint64(1)), kind="stable")


def number_along_space(s: VillageState, extent: float) -> None:
    """Renumber freshly drawn villages along a space-filling curve (morton_order), so
    that a village's neighbours, whose rows its decisions read, sit near it in memory.
    Only the numbering changes: every village keeps its own draws."""
    order = morton_order(s.x, s.y, extent)
    for name, value in vars(s).items():
        if isinstance(value, np.ndarray) and value.shape[:1] == (s.n,):
            setattr(s, name, value[order])


# a free rider's threshold: no trust-weighted signal (at most 1) reaches it (finite: no inf in the state)
FREE_RIDER_THRESHOLD = 1e6


def draw_villages(params: dict, n_forms: int, n_services: int, rng: np.random.Generator) -> VillageState:
    """The villages' positions and endowments, and their state before the first year
    (``rng``: the endowment stream; ``n_forms``, ``n_services``: the scenario's allowed
    forms and services, which size the learned and service arrays)."""
    land_p, beh = params["landscape"], params["behaviour"]
    n = land_p["n_villages"]
    s = VillageState(n=n)
    area = land_p["area_km"]
    centres = rng.uniform(0.15 * area, 0.85 * area, size=(land_p["n_districts"], 2))
    s.district = np.arange(n) % land_p["n_districts"]
    offsets = rng.normal(0.0, land_p["district_spread_km"], size=(n, 2))
    pos = np.clip(centres[s.district] + offsets, 0.0, area)
    s.x, s.y = pos[:, 0].copy(), pos[:, 1].copy()

    def lognormal(mean: float, cv: float, size) -> np.ndarray:
        sigma = math.sqrt(math.log1p(cv**2))
        return mean * np.exp(rng.normal(-0.5 * sigma**2, sigma, size=size))

    s.households = np.maximum(lognormal(land_p["households_mean"], land_p["households_cv"], n), 1.0)
    s.land = lognormal(land_p["land_per_household"], land_p["land_cv"], n)
    s.productivity = lognormal(land_p["productivity_mean"], land_p["productivity_cv"], n)
    s.wealth = rng.exponential(1.0, size=n) * land_p["initial_wealth"]
    s.food = np.full(n, land_p["initial_food_stock"])
    s.expertise = np.clip(rng.normal(land_p["expertise_mean"], land_p["expertise_sd"], size=(n, 3)), 0.0, 1.0)
    s.local_knowledge = s.expertise.copy()
    s.threshold = np.clip(rng.normal(beh["threshold_mean"], beh["threshold_sd"], size=n), 0.0, 1.0)
    s.risk_aversion = np.maximum(rng.normal(beh["risk_aversion_mean"], 0.25 * beh["risk_aversion_mean"], size=n), 0.0)
    s.budget = land_p["budget_transfer"] + land_p["budget_per_household"] * s.households
    _start_alone(s, n_forms, n_services)
    a = params["agriculture"]
    base = agriculture.farm_output(
        s.productivity, s.land, a["alpha"], np.zeros(n), 0.0, np.zeros(n), s.expertise[:, 0], 0.0
    )
    s.income_mean = base * (1.0 - a["food_store_share"])
    s.income_var = (0.15 * s.income_mean) ** 2
    s.consumption = s.income_mean + land_p["nonfarm_income"]
    s.reference_consumption = s.consumption.copy()
    s.utility = np.log(s.consumption)
    number_along_space(s, area)
    if beh["free_rider_share"] > 0:  # drawn after the other endowments, so that they do not depend on it
        free_riders = rng.random(n) < beh["free_rider_share"]
        s.threshold[free_riders] = FREE_RIDER_THRESHOLD
    s.impunity = np.zeros(n, dtype=bool)
    if beh["impunity_share"] > 0:  # drawn after the free riders: a scenario without impunity draws as before
        s.impunity = rng.random(n) < beh["impunity_share"]
    return s


def _start_alone(s: VillageState, n_forms: int, n_services: int) -> None:
    """Every village starts alone in every domain, with nothing built, owed or learned."""
    n = s.n
    s.service_efficiency = np.ones(n)
    s.fund = np.zeros(n)
    s.served_until = np.zeros(n, dtype=np.int64)
    s.upkeep_due = np.zeros(n)
    s.project_value = np.zeros(n)
    s.asset_damage = np.zeros(n)
    s.partnership = np.full((n, 3), -1, dtype=np.int64)
    s.contributed = np.ones((n, 3), dtype=bool)
    s.tenure = np.zeros((n, 3), dtype=np.int64)
    s.payoff = np.zeros((n, 3))
    s.expected_gain = np.zeros((n, 3, max(n_forms, 1)))
    s.experience = np.zeros((n, 3, max(n_forms, 1)), dtype=np.int64)
    s.propensity = np.zeros((n, 3, 2))
    s.quality = np.ones((n, n_services))
    s.host_distance = np.zeros(n)
    s.pledged = np.zeros(n)
    s.pending_cost = np.zeros((n, 3))


def spillover_neighbours(x: np.ndarray, y: np.ndarray, radius_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Each village's neighbours within ``radius_km`` (CSR: ``indptr``, ``indices``)."""
    n = x.shape[0]
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(radius_km, output_type="ndarray")
    pairs = pairs.astype(np.int64).reshape(-1, 2)
    near = coo_matrix(
        (np.ones(2 * len(pairs)), (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]])),
        shape=(n, n),
    ).tocsr()
    return near.indptr.astype(np.int64), near.indices.astype(np.int64)


@njit(cache=True, nogil=True)
def any_neighbour(indptr, cols, flag):
    """For each village, is ``flag`` true for any of its neighbours (CSR ``indptr``, ``cols``)?"""
    n = indptr.shape[0] - 1
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        for e in range(indptr[i], indptr[i + 1]):
            if flag[cols[e]]:
                out[i] = True
                break
    return out
