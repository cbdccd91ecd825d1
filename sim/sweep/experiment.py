"""What an experiment is once its file is read: the design's points, and every run they
make (``RunSpec``), with the seeds that pair them.

Each design point is run for every replicate; replicate ``r`` gets the same seed in every
point (common random numbers); a sampled design's points come from SALib (:func:`sample_design`).
With a ``posterior``, replicate ``r`` also draws one parameter set from it (:func:`posterior_draws`),
the same in every point. ``sim.sweep.design`` reads an experiment file into an :class:`Experiment`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.scenario import ScenarioError, check_scenario

# A sampled parameter's distribution, as an experiment file's [ranges] writes it: [low, high]
# (uniform), or a table { dist = NAME, ... } with these keys (docs/experiments.md).
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "truncnormal": ("low", "high", "mean", "sd"),
    "triangular": ("low", "mode", "high"),
    "lognormal": ("mean", "sd"),  # mean and sd of the value itself, not of its logarithm
    "discrete": ("values",),  # equally likely values
}


def replicate_seed(master_seed: int, replicate: int) -> int:
    """The seed of replicate ``r``: from the master seed and ``r`` only, so replicate
    ``r`` of every arm or design point faces the same villages and shocks."""
    return int(np.random.SeedSequence(master_seed, spawn_key=(replicate,)).generate_state(1)[0])


@dataclass(frozen=True)
class RunSpec:
    """One run of an experiment: where it sits in the design, its seed and overrides."""

    run_id: str
    point: int
    replicate: int
    seed: int
    arm: str
    condition: str
    factors: dict[str, Any]
    overrides: dict[str, Any]
    scenario: Any  # the checked base scenario (CheckedScenario): workers need no scenario files
    drawn: dict[str, Any] = field(default_factory=dict)  # the posterior's particle and values (columns of its row)


@dataclass
class Experiment:
    """A validated experiment file."""

    name: str
    description: str
    scenario: str  # path of the base scenario file
    design: str
    replicates: int
    seed: int
    steps: int | None
    metrics: list[str]
    reference: str | None
    common: dict[str, Any]  # [set]: overrides for every run
    objective: str | None = None  # robustness: the metric whose regret chooses the robust policy
    explained_by: str | None = None  # the experiment that decomposes this one's arms (its results lie beside)
    robustness_by: str | None = None  # the robustness experiment that tries these arms across uncertain worlds
    arms: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)
    factors: dict[str, list] = field(default_factory=dict)
    ranges: dict[str, Any] = field(default_factory=dict)  # [low, high], or a distribution table (DISTRIBUTIONS)
    samples: int = 0
    calc_second_order: bool = False
    num_levels: int = 4
    source: str = ""
    text: str = ""
    sha256: str = ""
    quick: bool = False
    points: list[dict[str, Any]] = field(default_factory=list)  # filled by load_experiment
    posterior: Any = None  # the posterior its replicates draw from (sim.calibrate.posterior.Posterior)
    posterior_path: str = ""  # as the experiment file gives it (relative to the file)
    draws: list[tuple[int, dict[str, float]]] = field(default_factory=list)  # per replicate: (particle, values)

    @property
    def base(self):
        """The base scenario, checked (sent to workers with each run, who load it for the model)."""
        if getattr(self, "_base", None) is None:
            self._base = check_scenario(self.scenario)
        return self._base

    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem of a sampled design (its ``dists`` only when a range is not uniform)."""
        names = list(self.ranges)
        specs = [salib_distribution(self.ranges[k]) for k in names]
        problem = {"num_vars": len(names), "names": names, "bounds": [bounds for _, bounds in specs]}
        if any(dist != "unif" for dist, _ in specs):
            problem["dists"] = [dist for dist, _ in specs]
        return problem

    def runs(self) -> list[RunSpec]:
        """Every run, in a fixed order: design point, then replicate."""
        out = []
        for p, point in enumerate(self.points):
            for r in range(self.replicates):
                drawn: dict[str, Any] = {}
                overrides = {**point["overrides"]}
                if self.draws:  # the same parameter set in every point of replicate r: arms stay paired
                    particle, values = self.draws[r]
                    overrides.update(values)
                    drawn = {"particle": particle, **values}
                if self.steps is not None:
                    overrides["steps"] = self.steps
                out.append(
                    RunSpec(
                        run_id=f"p{p:04d}-r{r:03d}",
                        point=p,
                        replicate=r,
                        seed=replicate_seed(self.seed, r),
                        arm=point["arm"],
                        condition=point["condition"],
                        factors=dict(point["factors"]),
                        overrides=overrides,
                        scenario=self.base,
                        drawn=drawn,
                    )
                )
        return out

    def describe(self) -> dict[str, Any]:
        """The design as the manifest and the report read it."""
        return {
            "name": self.name,
            "description": self.description,
            "design": self.design,
            "scenario": Path(self.scenario).stem,
            "scenario_file": self.scenario,
            "reference": self.reference,
            **({"objective": self.objective} if self.objective else {}),
            **({"explained_by": self.explained_by} if self.explained_by else {}),
            **({"robustness_by": self.robustness_by} if self.robustness_by else {}),
            "metrics": self.metrics,
            "replicates": self.replicates,
            "seed": self.seed,
            "steps": self.steps,
            "quick": self.quick,
            "set": self.common,
            "arms": [
                {"name": a["name"], "label": a["label"], "set": a["set"]}
                | ({"compare_with": a["compare_with"]} if "compare_with" in a else {})
                for a in self.arms
            ],
            "conditions": [{"name": c["name"], "label": c["label"], "set": c["set"]} for c in self.conditions],
            "factors": self.factors,
            "ranges": self.ranges,
            "samples": self.samples,
            "calc_second_order": self.calc_second_order,
            "num_levels": self.num_levels,
            "points": len(self.points),
            "runs": len(self.points) * self.replicates,
            **({"posterior": self.posterior_record()} if self.posterior is not None else {}),
        }

    def posterior_record(self) -> dict[str, Any]:
        """What the manifest records of the posterior: the table (as the file gives it, and
        relative to the repository), its SHA-256, its particles and parameters, the calibration
        that made it (``sim.calibrate.posterior.calibration_of``) and each replicate's draw."""
        from sim.io import portable_path

        post = self.posterior
        return {
            "path": self.posterior_path,
            "file": portable_path(post.file),
            "sha256": post.sha256,
            "particles": post.particles,
            "parameters": list(post.keys),
            "calibration": dict(post.calibration),
            "draws": [
                {"replicate": r, "seed": replicate_seed(self.seed, r), "particle": particle, **values}
                for r, (particle, values) in enumerate(self.draws)
            ],
        }


def posterior_draws(posterior: Any, master_seed: int, replicates: int) -> list[tuple[int, dict[str, float]]]:
    """One particle per replicate, drawn in proportion to the weights with a generator seeded
    from the replicate's seed (``SeedSequence(replicate_seed(master_seed, r), spawn_key=(DRAW,))``,
    ``sim.calibrate.posterior.pick``; no global state): ``kerjasama run --seed S --posterior FILE``
    draws the same particle as the replicate whose seed is S."""
    return [posterior.draw(replicate_seed(master_seed, r)) for r in range(replicates)]


def salib_distribution(spec: Any) -> tuple[str, list[float]]:
    """SALib's name and ``bounds`` entry for a range (``SALib.util.scale_samples``): unif
    [low, high]; norm [mean, sd]; truncnorm [low, high, mean, sd]; triang [low, high,
    (mode - low) / (high - low)]; lognorm [mean, sd] of the value's natural logarithm,
    from the mean m and sd s of the value (σ² = ln(1 + s²/m²), μ = ln m − σ²/2). A discrete
    range samples its values' index uniformly on [0, k) (see :func:`sampled_value`)."""
    if not isinstance(spec, dict):
        return "unif", [float(spec[0]), float(spec[1])]
    dist = spec["dist"]
    if dist == "uniform":
        return "unif", [float(spec["low"]), float(spec["high"])]
    if dist == "normal":
        return "norm", [float(spec["mean"]), float(spec["sd"])]
    if dist == "truncnormal":
        return "truncnorm", [float(spec[k]) for k in ("low", "high", "mean", "sd")]
    if dist == "triangular":
        low, mode, high = (float(spec[k]) for k in ("low", "mode", "high"))
        return "triang", [low, high, (mode - low) / (high - low)]
    if dist == "lognormal":
        mean, sd = float(spec["mean"]), float(spec["sd"])
        log_var = float(np.log1p((sd / mean) ** 2))
        return "lognorm", [float(np.log(mean)) - log_var / 2.0, float(np.sqrt(log_var))]
    if dist == "discrete":
        return "unif", [0.0, float(len(spec["values"]))]
    raise ValueError(f"unknown distribution {dist!r}")


def sampled_value(spec: Any, x: float) -> Any:
    """The value a design point gives a parameter: ``x`` itself, or for a discrete range the
    value at index floor(x) (``x`` is uniform on [0, k): each value equally likely)."""
    if isinstance(spec, dict) and spec["dist"] == "discrete":
        values = spec["values"]
        return values[min(int(np.floor(x)), len(values) - 1)]
    return x


def quantile(spec: Any, q: float) -> float:
    """The ``q`` quantile of a continuous range's distribution (scipy.stats, as SALib samples it)."""
    from scipy import stats

    dist, b = salib_distribution(spec)
    if dist == "unif":
        return b[0] + q * (b[1] - b[0])
    if dist == "norm":
        return float(stats.norm.ppf(q, loc=b[0], scale=b[1]))
    if dist == "truncnorm":
        return float(stats.truncnorm.ppf(q, (b[0] - b[2]) / b[3], (b[1] - b[2]) / b[3], loc=b[2], scale=b[3]))
    if dist == "triang":
        return float(stats.triang.ppf(q, c=b[2], loc=b[0], scale=b[1] - b[0]))
    return float(np.exp(stats.norm.ppf(q, loc=b[0], scale=b[1])))  # lognorm


def sample_design(exp: Experiment) -> np.ndarray:
    """The sampled design matrix (points x parameters), seeded by the master seed. A
    discrete range's column holds its values' index on [0, k) (:func:`sampled_value`)."""
    if exp.design == "morris" and "dists" in exp.problem:
        raise ValueError("Morris samples only uniform ranges")  # sim.sweep.design refuses it first, by key
    try:
        if exp.design == "lhs":
            from SALib.sample import latin

            return latin.sample(exp.problem, exp.samples, seed=exp.seed)
        if exp.design == "sobol":
            from SALib.sample import sobol

            return sobol.sample(exp.problem, exp.samples, calc_second_order=exp.calc_second_order, seed=exp.seed)
        from SALib.sample import morris

        return morris.sample(exp.problem, exp.samples, num_levels=exp.num_levels, seed=exp.seed)
    except ImportError:
        raise ScenarioError(
            f"design {exp.design!r} needs SALib: pip install 'kerjasama[sensitivity]' (or pip install SALib)"
        ) from None


def expected_points(design: str, samples: int, dims: int, calc_second_order: bool = False) -> int:
    """How many points a sampled design has: LHS N; Sobol N(2D+2) or N(D+2); Morris r(D+1)."""
    if design == "lhs":
        return samples
    if design == "sobol":
        return samples * (2 * dims + 2 if calc_second_order else dims + 2)
    if design == "morris":
        return samples * (dims + 1)
    raise ValueError(design)


def sizes(exp: Experiment) -> tuple[int, int]:
    """(design points, runs)."""
    return len(exp.points), len(exp.points) * exp.replicates
