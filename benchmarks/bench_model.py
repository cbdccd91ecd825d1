"""Benchmark Kerjasama's VillageModel against Mesa's Boltzmann wealth model.

Run from the repository root::

    .venv/bin/python benchmarks/bench_model.py                       # 1,000, 10,000 and 75,000 villages, 50 steps
    .venv/bin/python benchmarks/bench_model.py --sizes 1000 10000
    .venv/bin/python benchmarks/bench_model.py --quick               # 200 and 1,000 villages, 10 steps
    .venv/bin/python benchmarks/bench_model.py --save bench.json     # also write every row as JSON

Each measurement runs in a fresh subprocess (the script re-invokes itself with ``--one N`` or
``--reference KIND``), so the peak RSS reported for a size is that process's own high-water mark and
is not inflated by an earlier, larger size. The child prints one JSON line; the parent prints the table.
Before timing, a village child runs a small untimed model of the same scenario (the warm-up), so that
compiling or loading compiled code is not counted as village-steps (``--no-warmup`` times a cold start).

Every size is timed twice: with no scheduled shock (one model alone) and with the scenario's default
scheduled shock, which makes the model build and step a counterfactual twin (about double the cost).

The reference is Mesa's Boltzmann wealth model with partners drawn from a list cached at set-up
(``boltzmann``); the 'x Boltzmann' column divides by its cost per agent-step. Two context rows are
timed alongside but never used as the denominator: a no-op agent method called through
``agents.shuffle_do`` (``noop``: Mesa's floor per agent-step) and the same Boltzmann model with
Mesa's DataCollector as in Mesa's tutorial (``boltzmann_datacollector``: Gini computed in Python
as a model reporter, agent reporter "Wealth").
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib.metadata
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MIB = 1024.0 * 1024.0
DEFAULT_SIZES = [1000, 10_000, 75_000]
QUICK_SIZES = [200, 1000]
REFERENCE = "boltzmann"  # the strict reference: the ratio column divides by its cost
CONTEXT = ["noop", "boltzmann_datacollector"]  # timed and printed, never a denominator
REFERENCE_LABELS = {
    "boltzmann": "Boltzmann wealth, cached partner list (no grid, no data collection)",
    "noop": "no-op agent method via agents.shuffle_do",
    "boltzmann_datacollector": "Boltzmann wealth + DataCollector as in Mesa's tutorial (Gini in Python, 'Wealth')",
}


def peak_rss_mib() -> float:
    """This process's peak resident set size (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024.0


# --- child: one VillageModel run ---------------------------------------------------------------
WARMUP_VILLAGES = 200
WARMUP_STEPS = 2


def warm_up(scenario: str, overrides: dict, n_villages: int, seed: int) -> float:
    """Build and run a small model of the same scenario first, untimed in the row, so that one-off
    costs (compiling or loading compiled code, first-call caches) do not count as village-steps.
    Returns its wall time. Code first reached later in a run (e.g. a scheduled shock) may still
    compile inside the timed run."""
    from sim import ScenarioError, VillageModel, load_scenario

    small = min(n_villages, WARMUP_VILLAGES)
    try:
        districts = load_scenario(scenario, overrides).params["landscape"]["n_districts"]
        extra = {"landscape.n_districts": min(districts, small)}
        load_scenario(scenario, {**overrides, **extra, "n_villages": small})
    except ScenarioError:  # the scenario cannot be made small this way: warm up at full size
        small, extra = n_villages, {}
    t0 = time.perf_counter()
    VillageModel(scenario=scenario, rng=seed, n_villages=small, steps=WARMUP_STEPS, **overrides, **extra).run()
    elapsed = time.perf_counter() - t0
    gc.collect()
    return elapsed


def measure_village(
    n_villages: int, steps: int, shock: str, seed: int, scenario: str = "default", warmup: bool = True
) -> dict:
    sys.path.insert(0, str(REPO_ROOT))
    from sim import VillageModel

    baseline = peak_rss_mib()  # interpreter + numpy/scipy/pandas/mesa imports
    overrides = {} if shock == "default" else {"shocks.scheduled": []}
    warmup_s = warm_up(scenario, overrides, n_villages, seed) if warmup else None
    t0 = time.perf_counter()
    model = VillageModel(scenario=scenario, rng=seed, n_villages=n_villages, steps=steps, **overrides)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    if model.steps != steps:
        raise RuntimeError(f"model stopped after {model.steps} of {steps} steps")
    return {
        "kind": "village",
        "scenario": scenario,
        "n": n_villages,
        "steps": steps,
        "shock": shock,
        "twin": model.counterfactual is not None,
        "warmup_s": warmup_s,
        "setup_s": t1 - t0,
        "run_s": t2 - t1,
        "us_per_unit_step": (t2 - t1) / (n_villages * steps) * 1e6,
        "peak_mib": peak_rss_mib(),
        "baseline_mib": baseline,
    }


# --- child: the reference and context models ---------------------------------------------------
def compute_gini(model) -> float:
    """Gini of the agents' wealth, exactly as in Mesa's introductory tutorial (pure Python)."""
    agent_wealths = [agent.wealth for agent in model.agents]
    x = sorted(agent_wealths)
    n = model.num_agents
    b = sum(xi * (n - i) for i, xi in enumerate(x)) / (n * sum(x))
    return 1 + (1 / n) - 2 * b


def reference_model(kind: str, n_agents: int, seed: int):
    """A fresh model of the given reference kind; ``model.step()`` advances it one step."""
    import mesa

    class MoneyAgent(mesa.Agent):
        def __init__(self, model: mesa.Model):
            super().__init__(model)
            self.wealth = 1

        def step(self) -> None:
            if self.wealth > 0:
                other = self.random.choice(self.model.agent_list)
                other.wealth += 1
                self.wealth -= 1

        def noop(self) -> None:
            pass

    class BoltzmannWealth(mesa.Model):
        """Mesa's Boltzmann wealth model without a grid: partners come from a list cached at set-up."""

        def __init__(self, n: int, rng: int):
            super().__init__(rng=rng)
            self.num_agents = n
            MoneyAgent.create_agents(self, n)
            self.agent_list = list(self.agents)

        def step(self) -> None:
            self.agents.shuffle_do("step")

    class NoOp(BoltzmannWealth):
        """The same agents; each step only calls a method that does nothing, in random order."""

        def step(self) -> None:
            self.agents.shuffle_do("noop")

    class BoltzmannWithDataCollector(BoltzmannWealth):
        """The tutorial's data collection: a Python Gini as model reporter, wealth as agent reporter."""

        def __init__(self, n: int, rng: int):
            super().__init__(n, rng)
            self.datacollector = mesa.DataCollector(
                model_reporters={"Gini": compute_gini}, agent_reporters={"Wealth": "wealth"}
            )

        def step(self) -> None:
            self.datacollector.collect(self)
            self.agents.shuffle_do("step")

    classes = {"boltzmann": BoltzmannWealth, "noop": NoOp, "boltzmann_datacollector": BoltzmannWithDataCollector}
    return classes[kind](n_agents, rng=seed)


def measure_reference(kind: str, n_agents: int, steps: int, seed: int, repeats: int) -> dict:
    import mesa  # noqa: F401  (imported before the baseline, as the village child imports sim)

    baseline = peak_rss_mib()
    setups, runs = [], []
    for _ in range(repeats):  # the run is short (~0.1 s), so keep the best of a few to damp noise
        t0 = time.perf_counter()
        model = reference_model(kind, n_agents, seed)
        t1 = time.perf_counter()
        for _ in range(steps):
            model.step()
        t2 = time.perf_counter()
        if sum(a.wealth for a in model.agent_list) != n_agents:
            raise RuntimeError(f"{kind}: the model did not conserve wealth")
        if kind == "boltzmann_datacollector" and len(model.datacollector.model_vars["Gini"]) != steps:
            raise RuntimeError(f"{kind}: the DataCollector did not collect once per step")
        setups.append(t1 - t0)
        runs.append(t2 - t1)
        del model
        gc.collect()
    return {
        "kind": kind,
        "n": n_agents,
        "steps": steps,
        "repeats": repeats,
        "setup_s": min(setups),
        "run_s": min(runs),
        "us_per_unit_step": min(runs) / (n_agents * steps) * 1e6,
        "peak_mib": peak_rss_mib(),
        "baseline_mib": baseline,
    }


# --- machine and repository state (also used by bench_cli.py) -----------------------------------
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / MIB  # kB -> GiB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (MIB * 1024.0)
    except (ValueError, OSError, AttributeError):
        return None


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def git_state() -> str:
    """Short commit of the repository, with '+dirty' if sim/ or scenarios/ has uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "sim", "scenarios"], cwd=REPO_ROOT, capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def machine_info() -> dict:
    """CPU, cores, RAM, versions and git state, for the header line and the saved JSON."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    ram = _ram_gib()
    return {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "ram_gib": round(ram, 2) if ram is not None else None,
        "machine": platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "mesa": _version("mesa"),
        "numpy": _version("numpy"),
        "git": git_state(),
    }


def machine_line(info: dict) -> str:
    ram = f"{info['ram_gib']:.1f} GiB RAM" if info["ram_gib"] is not None else "RAM unknown"
    return (
        f"Python {info['python']}, Mesa {info['mesa']}, NumPy {info['numpy']}, {info['cpu_model']} "
        f"({info['machine']}), {info['cpus_usable']} of {info['cpu_count']} CPUs usable, {ram}, git {info['git']}"
    )


def result_header(benchmark: str, started: datetime.datetime, info: dict) -> dict:
    """The keys every saved benchmark file starts with: which script, the schema, when, on what."""
    return {
        "benchmark": benchmark,
        "schema": 1,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": info,
    }


def write_json_atomic(path: Path, payload: dict) -> None:
    """Write ``payload`` as JSON atomically (sim.io.write_json)."""
    sys.path.insert(0, str(REPO_ROOT))
    from sim.io import write_json

    write_json(Path(path), payload)


# --- parent ------------------------------------------------------------------------------------
def run_child(args: list[str], timeout: float | None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"{' '.join(args)} printed no JSON line:\n{proc.stdout[-2000:]}")


def scaling(rows: list[dict]) -> list[dict]:
    """For each shock mode, run-time ratio between consecutive sizes divided by their size ratio (linear = 1.0)."""
    out = []
    for shock in dict.fromkeys(r["shock"] for r in rows):
        series = sorted((r for r in rows if r["shock"] == shock), key=lambda r: r["n"])
        for small, large in zip(series, series[1:], strict=False):
            if small["n"] == large["n"] or small["run_s"] <= 0:
                continue
            size_ratio = large["n"] / small["n"]
            time_ratio = large["run_s"] / small["run_s"]
            out.append(
                {
                    "shock": shock,
                    "from_n": small["n"],
                    "to_n": large["n"],
                    "time_ratio": time_ratio,
                    "size_ratio": size_ratio,
                    "relative": time_ratio / size_ratio,
                }
            )
    return out


def fmt_row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", help="numbers of villages (default: 1000 10000 75000)")
    ap.add_argument("--steps", type=int, help="steps per village run (default: 50; 10 with --quick)")
    ap.add_argument("--quick", action="store_true", help="smoke test: 200 and 1,000 villages over 10 steps")
    ap.add_argument(
        "--shock",
        choices=["none", "default", "both"],
        default="both",
        help="time without scheduled shocks, with the scenario's default shock (counterfactual twin), "
        "or both (default)",
    )
    ap.add_argument("--scenario", default="default", help="scenario to time (default: default)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--boltzmann-agents", type=int, default=10_000, help="agents of the reference and context rows")
    ap.add_argument("--boltzmann-steps", type=int, default=20, help="steps of the reference and context rows")
    ap.add_argument("--boltzmann-repeats", type=int, default=3, help="reference runs per measurement; best is kept")
    ap.add_argument("--no-boltzmann", action="store_true", help="skip the reference and the context rows")
    ap.add_argument("--no-context", action="store_true", help="skip the context rows (no-op, DataCollector)")
    ap.add_argument(
        "--no-warmup",
        action="store_true",
        help=f"time a cold start: no untimed {WARMUP_VILLAGES}-village, {WARMUP_STEPS}-step run before each measurement",
    )
    ap.add_argument("--save", type=Path, metavar="PATH", help="also write machine info and every row as JSON")
    ap.add_argument("--timeout", type=float, default=None, help="seconds before a single measurement is abandoned")
    # child modes
    ap.add_argument("--one", type=int, metavar="N", help=argparse.SUPPRESS)
    ap.add_argument("--one-shock", choices=["none", "default"], default="none", help=argparse.SUPPRESS)
    ap.add_argument("--reference", choices=[REFERENCE, *CONTEXT], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    steps = args.steps if args.steps is not None else (10 if args.quick else 50)
    if args.one is not None:
        result = measure_village(args.one, steps, args.one_shock, args.seed, args.scenario, not args.no_warmup)
        print(json.dumps(result))
        return 0
    if args.reference is not None:
        result = measure_reference(
            args.reference, args.boltzmann_agents, args.boltzmann_steps, args.seed, args.boltzmann_repeats
        )
        print(json.dumps(result))
        return 0

    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    shocks = ["none", "default"] if args.shock == "both" else [args.shock]
    info = machine_info()
    started = datetime.datetime.now(datetime.UTC)

    print(f"Kerjasama benchmark: {machine_line(info)}, seed {args.seed}, scenario {args.scenario}")
    print("Each row is a fresh subprocess; peak RSS includes the interpreter and imports (the 'import RSS' column).")
    if args.no_warmup:
        print("Cold start: one-off costs (compilation, first-call caches) fall into set-up and run.\n")
    else:
        print(
            f"Before each row an untimed {WARMUP_VILLAGES}-village, {WARMUP_STEPS}-step run of the same scenario takes "
            "the one-off costs (compiling or loading compiled code); its wall time is the 'warm-up' column.\n"
        )

    references: dict[str, dict] = {}
    if not args.no_boltzmann:
        for kind in [REFERENCE] if args.no_context else [REFERENCE, *CONTEXT]:
            references[kind] = run_child(
                [
                    "--reference",
                    kind,
                    "--boltzmann-agents",
                    str(args.boltzmann_agents),
                    "--boltzmann-steps",
                    str(args.boltzmann_steps),
                    "--seed",
                    str(args.seed),
                    "--boltzmann-repeats",
                    str(args.boltzmann_repeats),
                ],
                args.timeout,
            )
    boltz = references.get(REFERENCE)

    header = [
        "villages",
        "steps",
        "shock",
        "warm-up (s)",
        "set-up (s)",
        "run (s)",
        "us/village-step",
        "x Boltzmann",
        "peak RSS (MiB)",
        "import RSS (MiB)",
    ]
    widths = [max(len(h), 12 if h == "shock" else 8) for h in header]
    print(fmt_row(header, widths))
    print(fmt_row(["-" * w for w in widths], widths))
    rows = []
    for n in sizes:
        for shock in shocks:
            r = run_child(
                [
                    "--one",
                    str(n),
                    "--one-shock",
                    shock,
                    "--steps",
                    str(steps),
                    "--seed",
                    str(args.seed),
                    "--scenario",
                    args.scenario,
                    *(["--no-warmup"] if args.no_warmup else []),
                ],
                args.timeout,
            )
            r["shock"] = "default+twin" if r["twin"] else "none"
            r["x_boltzmann"] = r["us_per_unit_step"] / boltz["us_per_unit_step"] if boltz else None
            rows.append(r)
            print(
                fmt_row(
                    [
                        f"{n:,}",
                        str(steps),
                        r["shock"],
                        f"{r['warmup_s']:.2f}" if r["warmup_s"] is not None else "-",
                        f"{r['setup_s']:.3f}",
                        f"{r['run_s']:.2f}",
                        f"{r['us_per_unit_step']:.1f}",
                        f"{r['x_boltzmann']:.0f}" if boltz else "-",
                        f"{r['peak_mib']:.0f}",
                        f"{r['baseline_mib']:.0f}",
                    ],
                    widths,
                ),
                flush=True,
            )

    if boltz:
        print(
            f"\nReference and context (agents x steps, best of {boltz['repeats']}; "
            "'x Boltzmann' is always against the first row):"
        )
        ref_header = ["model", "agents", "steps", "set-up (s)", "run (s)", "us/agent-step", "x Boltzmann", "peak MiB"]
        ref_widths = [max(len(h), 8) for h in ref_header]
        ref_widths[0] = max(len(k) for k in references)
        print(fmt_row(ref_header, ref_widths))
        print(fmt_row(["-" * w for w in ref_widths], ref_widths))
        for kind, ref in references.items():
            ref["x_boltzmann"] = ref["us_per_unit_step"] / boltz["us_per_unit_step"]
            print(
                fmt_row(
                    [
                        kind,
                        f"{ref['n']:,}",
                        str(ref["steps"]),
                        f"{ref['setup_s']:.3f}",
                        f"{ref['run_s']:.3f}",
                        f"{ref['us_per_unit_step']:.3f}",
                        f"{ref['x_boltzmann']:.2f}",
                        f"{ref['peak_mib']:.0f}",
                    ],
                    ref_widths,
                )
            )
        for kind in references:
            print(f"  {kind}: {REFERENCE_LABELS[kind]}")
        print("'x Boltzmann' = (us per village-step) / (us per agent-step of the cached-list Boltzmann model).")
    if "default" in shocks:
        print("'default+twin' rows divide by the main model's villages only, so they include the twin's cost.")

    scale = scaling(rows)
    if scale:
        print("\nScaling of run time (time ratio / size ratio; 1.00 = linear, above 1 = worse than linear):")
        for s in scale:
            print(
                f"  {s['shock']:>12}: {s['from_n']:,} -> {s['to_n']:,} villages: time x{s['time_ratio']:.2f} "
                f"for size x{s['size_ratio']:.2f} -> {s['relative']:.2f}"
            )

    if "default" in shocks:
        sys.path.insert(0, str(REPO_ROOT))
        from sim import load_scenario

        first = min((e["step"] for e in load_scenario(args.scenario).params["shocks"]["scheduled"]), default=None)
        if first is not None and steps < first:
            print(
                f"Note: the scheduled shock starts at step {first}, so over {steps} steps it never fires; "
                "the 'default+twin' rows still pay for the counterfactual twin."
            )

    if args.save:
        payload = {
            **result_header("bench_model", started, info),
            "settings": {
                "scenario": args.scenario,
                "sizes": sizes,
                "steps": steps,
                "shocks": shocks,
                "seed": args.seed,
                "warmup": None if args.no_warmup else {"villages": WARMUP_VILLAGES, "steps": WARMUP_STEPS},
                "boltzmann_agents": args.boltzmann_agents,
                "boltzmann_steps": args.boltzmann_steps,
                "boltzmann_repeats": args.boltzmann_repeats,
            },
            "reference": boltz,
            "context": [references[k] for k in CONTEXT if k in references],
            "rows": rows,
            "scaling": scale,
        }
        write_json_atomic(args.save, payload)
        print(f"\nSaved {len(rows)} rows and {len(references)} reference rows to {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
