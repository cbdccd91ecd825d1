"""The environment: yearly shocks that no village can influence.

* drought/flood on agriculture, with spatial correlation: a district-wide
  component, a smooth field with a correlation length, and a village-specific part;
* fires on single villages;
* a region-wide farm-price shock;
* scheduled shocks a scenario places at a given step and district: droughts, floods and
  fires (in the districts hit), a fall of the farm price, a closure of the markets joint
  marketing sells to (both region-wide), and a fall of non-farm income (in the districts hit).

Every draw comes from the shock stream, seeded per step, and the number of draws
never depends on what villages do: two runs with the same seed face the same
shocks whatever their policy (common random numbers), and removing a scheduled
shock leaves the background shocks untouched.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.domains import jitable

N_FEATURES = 64  # random Fourier features for the smooth field


@dataclass
class Shocks:
    """What hits the villages in one step."""

    crop: np.ndarray  # drought/flood intensity per village, [0, 1]: share of farm output lost without adaptation
    fire: np.ndarray  # did a fire hit the village? (bool)
    price: float  # farm price relative to normal (1.0)
    lasting: np.ndarray | None = (
        None  # the part of ``crop`` from scheduled droughts and floods, which also destroys assets
    )
    market: float = 1.0  # share of the joint sales that markets take, [0, 1] (1: open; scheduled ``market`` shocks)
    nonfarm: np.ndarray | None = None  # non-farm income per village relative to normal (None: 1 everywhere)


def smooth_field(x: np.ndarray, y: np.ndarray, length_km: float, rng: np.random.Generator) -> np.ndarray:
    """A stationary Gaussian field with unit variance and correlation
    exp(-d^2 / (2 L^2)) between points d km apart (random Fourier features)."""
    omega = rng.normal(0.0, 1.0 / length_km, size=(N_FEATURES, 2))
    phase = rng.uniform(0.0, 2.0 * np.pi, size=N_FEATURES)
    amplitude = rng.normal(size=N_FEATURES)
    return np.sqrt(2.0 / N_FEATURES) * _fourier_sum(x, y, omega, phase, amplitude)


@njit(cache=True, nogil=True)
def _fourier_sum(x, y, omega, phase, amplitude):
    """sum_k amplitude_k cos(omega_k . (x, y) + phase_k) at each point (no n x k temporary)."""
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        total = 0.0
        for k in range(amplitude.shape[0]):
            total += amplitude[k] * np.cos(omega[k, 0] * x[i] + omega[k, 1] * y[i] + phase[k])
        out[i] = total
    return out


def shock_correlation(distance_km, same_district, params: dict) -> np.ndarray:
    """Correlation of two villages' drought indices, as the model generates them."""
    d = params["drought"]
    return correlation(
        np.asarray(distance_km), same_district, d["district_weight"], d["local_weight"], d["correlation_length_km"]
    )


@jitable
def correlation(distance_km, same_district, district_weight: float, local_weight: float, length_km: float):
    """:func:`shock_correlation` with the drought parameters spelled out (usable inside compiled rules, e.g. sim/gains.py)."""
    return district_weight * same_district + local_weight * np.exp(-(distance_km**2) / (2.0 * length_km**2))


class Environment:
    """Draws each step's shocks for all villages (background plus scheduled)."""

    def __init__(self, params: dict, x, y, district, n_districts: int, seed: np.random.SeedSequence):
        self.params = params
        self.x, self.y, self.district = x, y, district
        self.n_districts = n_districts
        self.seed = seed
        self.draws: dict[int, tuple] = {}  # recent steps' random draws (shared with a counterfactual twin)
        self.lock = threading.Lock()  # the twin may step in another thread
        self.pending: dict[int, threading.Thread] = {}  # draws being made ahead of time

    def share_draws_with(self, other: Environment) -> None:
        """Use ``other``'s draws when it has made them for the step (the same seed and
        landscape give the same draws: a counterfactual twin need not redraw them)."""
        if other.seed.entropy != self.seed.entropy or other.seed.spawn_key != self.seed.spawn_key:
            raise ValueError("only an environment with the same seed can share its draws")
        self.draws = other.draws
        self.lock = other.lock
        self.pending = other.pending

    def prefetch(self, step: int) -> None:
        """Start making ``step``'s draws in the background (they depend on the seed and
        the step only, so making them early changes nothing but the wall time)."""
        with self.lock:
            if step in self.draws or step in self.pending:
                return
            worker = threading.Thread(target=self._store, args=(step,), name="kerjasama-shocks", daemon=True)
            self.pending[step] = worker
        worker.start()

    def _store(self, step: int) -> None:
        draws = self._draw(step)
        with self.lock:
            self.draws[step] = draws
            for old in [s for s in self.draws if s < step - 1]:
                del self.draws[old]  # keep the last two steps

    def _stream(self, step: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed.entropy, spawn_key=(*self.seed.spawn_key, step)))

    def _draw(self, step: int) -> tuple:
        """This step's random draws, in a fixed order so that streams stay aligned."""
        p = self.params
        n = self.x.shape[0]
        rng = self._stream(step)
        district_z = rng.normal(size=self.n_districts)
        field = smooth_field(self.x, self.y, p["drought"]["correlation_length_km"], rng)
        own_z = rng.normal(size=n)
        fire_u = rng.random(n)
        price_z = rng.normal()
        scheduled_u = rng.random(n)
        return district_z, field, own_z, fire_u, price_z, scheduled_u

    def draw(self, step: int) -> Shocks:
        """The shocks of ``step`` (1-based)."""
        p = self.params
        n = self.x.shape[0]
        with self.lock:
            worker = self.pending.pop(step, None)
        if worker is not None:
            worker.join()
        with self.lock:
            if step not in self.draws:
                self.draws[step] = self._draw(step)
                for old in [s for s in self.draws if s < step - 1]:
                    del self.draws[old]  # keep the last two steps
            district_z, field, own_z, fire_u, price_z, scheduled_u = self.draws[step]
        crop = np.zeros(n)
        lasting = np.zeros(n)
        fire = np.zeros(n, dtype=bool)
        price = market = 1.0
        nonfarm = None
        if p["background"]:
            d = p["drought"]
            wd, wl = d["district_weight"], d["local_weight"]
            index = (
                np.sqrt(wd) * district_z[self.district] + np.sqrt(wl) * field + np.sqrt(max(1.0 - wd - wl, 0.0)) * own_z
            )
            crop = np.clip(d["severity"] * (index - d["threshold"]), 0.0, 1.0)
            fire = fire_u < p["fire"]["probability"]
            sigma = p["price"]["volatility"]
            price = float(np.exp(sigma * price_z - 0.5 * sigma**2))
        for event in p["scheduled"]:
            if not event["step"] <= step < event["step"] + event["duration"]:
                continue
            hit = np.ones(n, dtype=bool) if event["district"] < 0 else self.district == event["district"]
            if event["kind"] in ("drought", "flood"):
                crop = np.where(hit, np.clip(crop + event["intensity"], 0.0, 1.0), crop)
                lasting = np.where(hit, np.clip(lasting + event["intensity"], 0.0, 1.0), lasting)
            elif event["kind"] == "fire":  # each village hit burns with probability `intensity`
                fire = fire | (hit & (scheduled_u < event["intensity"]))
            elif event["kind"] == "market":  # markets closed to joint sales (region-wide, like the price)
                market *= 1.0 - event["intensity"]
            elif event["kind"] == "income":  # jobs and remittances lost: non-farm income falls where it hits
                before = np.ones(n) if nonfarm is None else nonfarm
                nonfarm = np.where(hit, before * (1.0 - event["intensity"]), before)
            else:  # price (region-wide)
                price *= 1.0 - event["intensity"]
        return Shocks(crop=crop, fire=fire, price=price, lasting=lasting, market=market, nonfarm=nonfarm)
