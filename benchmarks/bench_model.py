"""Benchmark Kerjasama's VillageModel against Mesa's Boltzmann wealth model.

Run from the repository root::

    .venv/bin/python benchmarks/bench_model.py                       # 1,000 and 10,000 villages, 50 steps
    .venv/bin/python benchmarks/bench_model.py --sizes 1000 10000 75000
    .venv/bin/python benchmarks/bench_model.py --quick               # 200 and 1,000 villages, 10 steps

Each measurement runs in a fresh subprocess (the script re-invokes itself with ``--one N`` or
``--boltzmann N``), so the peak RSS reported for a size is that process's own high-water mark and
is not inflated by an earlier, larger size. The child prints one JSON line; the parent prints the table.

Every size is timed twice: with no scheduled shock (one model alone) and with the scenario's default
scheduled shock, which makes the model build and step a counterfactual twin (about double the cost).
"""

from __future__ import annotations

import argparse
import gc
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


def peak_rss_mib() -> float:
    """This process's peak resident set size (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024.0


# --- child: one VillageModel run ---------------------------------------------------------------
def measure_village(n_villages: int, steps: int, shock: str, seed: int) -> dict:
    sys.path.insert(0, str(REPO_ROOT))
    from sim import VillageModel

    baseline = peak_rss_mib()  # interpreter + numpy/scipy/pandas/mesa imports
    overrides = {} if shock == "default" else {"shocks.scheduled": []}
    t0 = time.perf_counter()
    model = VillageModel(scenario="default", rng=seed, n_villages=n_villages, steps=steps, **overrides)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    if model.steps != steps:
        raise RuntimeError(f"model stopped after {model.steps} of {steps} steps")
    return {
        "kind": "village",
        "n": n_villages,
        "steps": steps,
        "shock": shock,
        "twin": model.counterfactual is not None,
        "setup_s": t1 - t0,
        "run_s": t2 - t1,
        "us_per_unit_step": (t2 - t1) / (n_villages * steps) * 1e6,
        "peak_mib": peak_rss_mib(),
        "baseline_mib": baseline,
    }


# --- child: Boltzmann wealth, cached-partner-list variant --------------------------------------
def measure_boltzmann(n_agents: int, steps: int, seed: int, repeats: int) -> dict:
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

    class BoltzmannWealth(mesa.Model):
        """Mesa's Boltzmann wealth model without a grid: partners come from a list cached at set-up."""

        def __init__(self, n: int, rng: int):
            super().__init__(rng=rng)
            MoneyAgent.create_agents(self, n)
            self.agent_list = list(self.agents)

        def step(self) -> None:
            self.agents.shuffle_do("step")

    baseline = peak_rss_mib()
    setups, runs = [], []
    for _ in range(repeats):  # the run is short (~0.1 s), so keep the best of a few to damp noise
        t0 = time.perf_counter()
        model = BoltzmannWealth(n_agents, rng=seed)
        t1 = time.perf_counter()
        for _ in range(steps):
            model.step()
        t2 = time.perf_counter()
        if sum(a.wealth for a in model.agent_list) != n_agents:
            raise RuntimeError("Boltzmann model did not conserve wealth")
        setups.append(t1 - t0)
        runs.append(t2 - t1)
        del model
        gc.collect()
    return {
        "kind": "boltzmann",
        "n": n_agents,
        "steps": steps,
        "repeats": repeats,
        "setup_s": min(setups),
        "run_s": min(runs),
        "us_per_unit_step": min(runs) / (n_agents * steps) * 1e6,
        "peak_mib": peak_rss_mib(),
        "baseline_mib": baseline,
    }


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


def fmt_row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", help="numbers of villages (default: 1000 10000)")
    ap.add_argument("--steps", type=int, help="steps per run (default: 50; 10 with --quick)")
    ap.add_argument("--quick", action="store_true", help="smoke test: 200 and 1,000 villages over 10 steps")
    ap.add_argument(
        "--shock",
        choices=["none", "default", "both"],
        default="both",
        help="time without scheduled shocks, with the scenario's default shock (counterfactual twin), "
        "or both (default)",
    )
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--boltzmann-agents", type=int, default=10_000)
    ap.add_argument("--boltzmann-steps", type=int, default=20)
    ap.add_argument("--boltzmann-repeats", type=int, default=3, help="Boltzmann runs per measurement; best is kept")
    ap.add_argument("--no-boltzmann", action="store_true", help="skip the Boltzmann reference")
    ap.add_argument("--timeout", type=float, default=None, help="seconds before a single measurement is abandoned")
    # child modes
    ap.add_argument("--one", type=int, metavar="N", help=argparse.SUPPRESS)
    ap.add_argument("--one-shock", choices=["none", "default"], default="none", help=argparse.SUPPRESS)
    ap.add_argument("--boltzmann", type=int, metavar="N", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    steps = args.steps if args.steps is not None else (10 if args.quick else 50)
    if args.one is not None:
        print(json.dumps(measure_village(args.one, steps, args.one_shock, args.seed)))
        return 0
    if args.boltzmann is not None:
        print(json.dumps(measure_boltzmann(args.boltzmann, steps, args.seed, args.boltzmann_repeats)))
        return 0

    sizes = args.sizes or ([200, 1000] if args.quick else [1000, 10_000])
    shocks = ["none", "default"] if args.shock == "both" else [args.shock]

    import mesa
    import numpy

    print(
        f"Kerjasama benchmark: Python {platform.python_version()}, Mesa {mesa.__version__}, "
        f"NumPy {numpy.__version__}, {platform.machine()}, {os.cpu_count()} CPUs, seed {args.seed}, git {git_state()}"
    )
    print("Each row is a fresh subprocess; peak RSS includes the interpreter and imports (the 'import RSS' column).\n")

    boltz = None
    if not args.no_boltzmann:
        boltz = run_child(
            [
                "--boltzmann",
                str(args.boltzmann_agents),
                "--steps",
                str(args.boltzmann_steps),
                "--seed",
                str(args.seed),
                "--boltzmann-repeats",
                str(args.boltzmann_repeats),
            ],
            args.timeout,
        )

    header = [
        "villages",
        "steps",
        "shock",
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
    for n in sizes:
        for shock in shocks:
            r = run_child(
                ["--one", str(n), "--one-shock", shock, "--steps", str(steps), "--seed", str(args.seed)], args.timeout
            )
            label = "default+twin" if r["twin"] else "none"
            ratio = f"{r['us_per_unit_step'] / boltz['us_per_unit_step']:.0f}" if boltz else "-"
            print(
                fmt_row(
                    [
                        f"{n:,}",
                        str(steps),
                        label,
                        f"{r['setup_s']:.3f}",
                        f"{r['run_s']:.2f}",
                        f"{r['us_per_unit_step']:.1f}",
                        ratio,
                        f"{r['peak_mib']:.0f}",
                        f"{r['baseline_mib']:.0f}",
                    ],
                    widths,
                ),
                flush=True,
            )

    if boltz:
        print(
            f"\nBoltzmann wealth (cached partner list, no grid, no data collection): {boltz['n']:,} agents x "
            f"{boltz['steps']} steps (best of {boltz['repeats']}): set-up {boltz['setup_s']:.3f} s, "
            f"run {boltz['run_s']:.3f} s, "
            f"{boltz['us_per_unit_step']:.3f} us/agent-step, peak RSS {boltz['peak_mib']:.0f} MiB "
            f"(import RSS {boltz['baseline_mib']:.0f} MiB)"
        )
        print("'x Boltzmann' = (us per village-step) / (us per Boltzmann agent-step).")
    if "default" in shocks:
        print("'default+twin' rows divide by the main model's villages only, so they include the twin's cost.")
    if "default" in shocks:
        sys.path.insert(0, str(REPO_ROOT))
        from sim import load_scenario

        first = min((e["step"] for e in load_scenario("default").params["shocks"]["scheduled"]), default=None)
        if first is not None and steps < first:
            print(
                f"Note: the default scheduled shock starts at step {first}, so over {steps} steps it never fires; "
                "the 'default+twin' rows still pay for the counterfactual twin."
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
