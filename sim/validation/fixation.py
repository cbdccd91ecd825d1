"""Fixation of one cooperator under death-birth updating (Ohtsuki et al. 2006, Nature 441:502;
Allen et al. 2017): the b/c threshold on a cycle and a torus, and the cycle's exact
fixation probabilities."""

from __future__ import annotations

import math
import time

import numpy as np

from sim.classic import (
    STREAM_INIT,
    STREAM_UPDATE,
    DeathBirthReplicas,
    cycle_fixation_exact,
    fixation_estimates,
    initial_replicas,
    load_classic,
    regular_graph,
    threshold_bc,
)
from sim.validation.check import SEED, Check


def fixation_scan(
    scenario: str, ratios: np.ndarray, replicas: int, seed: int | None = None, max_generations: int = 1_000_000
) -> dict:
    """Fixation of one cooperator under death-birth updating at several b/c at once: the
    scenario's graph, c, w and pattern; one copy per b/c plus a neutral copy (w = 0), all
    on the same random numbers. Returns the graph, the b values, the estimates
    (:func:`sim.classic.fixation_estimates`) and the threshold fitted to them."""
    sc = load_classic(scenario)
    p = sc.params
    neighbours = regular_graph(p["lattice"]["neighbourhood"], p["lattice"]["size"])
    nodes, degree = neighbours.shape
    c, w = p["game"]["c"], p["death_birth"]["selection"]
    root = np.random.SeedSequence(SEED if seed is None else seed)
    start = initial_replicas(
        replicas,
        nodes,
        p["init"]["pattern"],
        p["init"]["cooperator_fraction"],
        np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(STREAM_INIT,))),
    )
    b = np.asarray(ratios, dtype=float) * c
    kernel = DeathBirthReplicas(neighbours, np.append(b, b[0]), np.append(np.full(b.size, w), 0.0), c, start)
    generation = 0
    while kernel.running and generation < max_generations:
        generation += 1
        kernel.generation(
            np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(STREAM_UPDATE, generation)))
        )
    neutral = kernel.initial_fraction
    est = fixation_estimates(kernel.fixation_indicators(), neutral)
    root_value, root_se = _threshold_fit(b / c if c > 0 else b, est["diff"])
    return {
        "nodes": nodes,
        "degree": degree,
        "c": c,
        "w": w,
        "b": b,
        "ratios": np.asarray(ratios, dtype=float),
        "neutral": neutral,
        "estimates": est,
        "threshold": root_value,
        "threshold_se": root_se,
        "generations": generation,
        "unabsorbed": kernel.running,
        "replicas": replicas,
    }


def _threshold_fit(x: np.ndarray, diff: np.ndarray) -> tuple[float, float]:
    """Where the straight line through (x_i, mean of diff_i) crosses 0, and its standard
    error (delta method with the covariance of the paired per-replica differences)."""
    n = diff.shape[1]
    d = diff.mean(axis=1)
    design = np.vstack([np.ones_like(x), x]).T
    weights = np.linalg.pinv(design)  # rows: intercept, slope
    a, s = weights @ d
    cov = np.cov(diff) / n
    gradient = -(weights[0] * s - a * weights[1]) / s**2
    return float(-a / s), float(math.sqrt(gradient @ cov @ gradient))


def ohtsuki(quick: bool) -> list[Check]:
    replicas = 20_000 if quick else 100_000
    rows = []
    for scenario, label in (("classic/ohtsuki_cycle", "cycle"), ("classic/ohtsuki_torus", "6x6 torus")):
        sc = load_classic(scenario)
        nodes, degree = regular_graph(sc.get("lattice.neighbourhood"), sc.get("lattice.size")).shape
        expected = threshold_bc(nodes, degree)
        ratios = expected * np.array([0.5, 0.75, 1.25, 1.5])
        started = time.perf_counter()
        scan = fixation_scan(scenario, ratios, replicas)
        est = scan["estimates"]
        above = est["rho_cv"] > scan["neutral"]
        signs_ok = bool(np.all(above == (ratios > expected)))
        tolerance = 0.2 if quick else 0.1
        ok = abs(scan["threshold"] - expected) <= tolerance * expected and signs_ok and scan["unabsorbed"] == 0
        signs = ", ".join(f"{r:.2f}{'>' if a else '<'}" for r, a in zip(ratios, above, strict=True))
        settings = (
            f"{scenario.split('/')[1]}: N={nodes}, k={degree}, c={scan['c']:g}, w={scan['w']:g}, "
            f"{replicas} replicas per b/c (+ a neutral copy on the same random numbers), seed {SEED}"
        )
        rows.append(
            Check(
                f"Death-birth, {label} (N={nodes}, k={degree}): b/c where rho_C = 1/N",
                "Ohtsuki et al. 2006, Nature 441:502; Allen et al. 2017",
                f"(N-2)/(N/k-2) = {expected:.3f}",
                f"{scan['threshold']:.3f} +- {scan['threshold_se']:.3f}; rho_C vs 1/N at b/c = {signs}",
                f"+- {tolerance:.0%}; rho_C > 1/N exactly above it",
                ok,
                settings,
                time.perf_counter() - started,
            )
        )
        if label == "cycle":
            exact = np.array([cycle_fixation_exact(nodes, b, scan["c"], scan["w"]) for b in scan["b"]])
            z = (est["rho"][:-1] - exact) / est["se"][:-1]
            rows.append(
                Check(
                    f"Death-birth, cycle N={nodes}: fixation probabilities",
                    "exact birth-death chain (this project, sim.classic.cycle_fixation_exact)",
                    ", ".join(f"{v:.4f}" for v in exact),
                    ", ".join(f"{v:.4f}" for v in est["rho"][:-1]) + f" (max |z| {np.max(np.abs(z)):.1f})",
                    "each within 3 SE",
                    bool(np.all(np.abs(z) <= 3.0)),
                    settings + "; b/c = " + ", ".join(f"{r:.3f}" for r in ratios) + " (the same runs)",
                    1e-3,
                )
            )
    return rows
