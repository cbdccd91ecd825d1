"""What a classic run writes and prints: its figures, the short summary, the results
folder, and the one line of ``kerjasama check``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.classic.model import ClassicScenario, SpatialGame
from sim.classic.scenario import MODEL_NAME


def draw_figures(model: SpatialGame, summary: dict, folder: Path) -> list[Path]:
    """The run's figures: ``cooperators.png`` (cooperator fraction per step, the summary
    window shaded) and ``lattice.png`` (lattice games: the last step in Nowak & May's
    colours) or ``fixation.png`` (death-birth: replicas fixed per generation)."""
    import matplotlib

    matplotlib.use("Agg")
    folder.mkdir(parents=True, exist_ok=True)
    df = model.timeseries()
    written = [_cooperators_figure(df, summary, model.scenario.name, folder / "cooperators.png")]
    if model.game == "prisoners_dilemma":
        written.append(_lattice_figure(model, folder / "lattice.png"))
    elif model.game == "donation":
        written.append(_fixation_figure(df, model.state.neutral, model.scenario.name, folder / "fixation.png"))
    return written


def _cooperators_figure(df, summary: dict, title: str, path: Path) -> Path:
    """Share of cooperators per step, the summary's window shaded and its mean dashed."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    ax.plot(df["step"], df["cooperator_fraction"], color="#1f4e9c", lw=1.2)
    ax.axvspan(summary["classic.window_start"], summary["classic.window_end"], color="0.9", lw=0)
    ax.axhline(summary["classic.cooperator_fraction_mean"], color="k", lw=0.8, ls="--", label="mean over the window")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("step (generation)")
    ax.set_ylabel("share of cooperators")
    ax.legend(fontsize=8)
    ax.set_title(f"Cooperators - {title}", fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _lattice_figure(model: SpatialGame, path: Path) -> Path:
    """The last step of the lattice in Nowak & May's colours: blue C->C, red D->D,
    green D->C, yellow C->D."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    lat = model.lattice
    code = np.where(lat.cooperate, np.where(lat.previous, 0, 2), np.where(lat.previous, 3, 1))
    cmap = ListedColormap(["#1f4e9c", "#d62728", "#2ca02c", "#f2c80f"])
    side = max(4.0, min(8.0, lat.cooperate.shape[0] / 25))
    fig, ax = plt.subplots(figsize=(side, side), constrained_layout=True)
    ax.imshow(code, cmap=cmap, vmin=0, vmax=3, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{model.scenario.name}, step {model.steps}: blue C, red D, green new C, yellow new D", fontsize=9)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _fixation_figure(df, neutral: float, title: str, path: Path) -> Path:
    """Shares of death-birth replicas fixed at all-C (left axis, against the neutral
    share) and at all-D (right axis), per generation."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    ax.plot(df["step"], df["fixed_cooperators"], color="#1f4e9c", label="fixed at all-C")
    ax.axhline(neutral, color="#1f4e9c", lw=0.8, ls=":", label="neutral (initial share of C)")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlabel("generation")
    ax.set_ylabel("share of replicas fixed at all-C")
    ax2 = ax.twinx()
    ax2.plot(df["step"], df["fixed_defectors"], color="#d62728", label="fixed at all-D")
    ax2.set_ylabel("share of replicas fixed at all-D", color="#d62728")
    ax.legend(fontsize=8, loc="center right")
    ax.set_title(f"Fixation - {title}", fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _fmt(value: Any) -> str:
    from sim.io import format_value

    return format_value(value, 4)


def print_summary(summary: dict, out: Path | None = None, figures: bool = True) -> None:
    """A short, readable summary of one classic run."""
    s = summary
    lines = [
        f"Scenario {s['scenario']}  (seed {s['seed']}, {s['classic.game']}, {s['classic.update']} update, "
        f"{s['classic.players']} players, {s['steps']} steps)",
        f"  cooperators  mean {_fmt(s['classic.cooperator_fraction_mean'])} over steps "
        f"{s['classic.window_start']}-{s['classic.window_end']} | final {_fmt(s['classic.cooperator_fraction_final'])}",
    ]
    if s["classic.game"] == "prisoners_dilemma":
        lines.append(
            f"  lattice      b = {s['classic.b']} | changed per step {_fmt(s['classic.changed_fraction_mean'])} | "
            f"cooperating throughout the window {_fmt(s['classic.static_cooperator_share'])} | "
            f"period {_fmt(s['classic.period'])}"
        )
        if s["classic.first_edge_step"] is not None or s["classic.symmetric"] is not None:
            lines.append(
                f"  pattern      first reaches the edge at step {_fmt(s['classic.first_edge_step'])} | "
                f"four-fold symmetric throughout {_fmt(s['classic.symmetric'])}"
            )
    elif s["classic.game"] == "donation":
        lines.append(
            f"  fixation     rho_C = {_fmt(s['classic.fixation_probability'])} +- "
            f"{_fmt(s['classic.fixation_probability_se'])} (control variate "
            f"{_fmt(s['classic.fixation_probability_cv'])} +- {_fmt(s['classic.fixation_probability_cv_se'])}) "
            f"vs neutral {_fmt(s['classic.neutral_fixation_probability'])}"
        )
        lines.append(
            f"               b/c = {_fmt(s['classic.benefit_cost_ratio'])}, threshold (N-2)/(N/k-2) = "
            f"{_fmt(s['classic.threshold_bc'])}; {s['classic.replicas']} replicas, "
            f"{s['classic.unabsorbed_replicas']} not absorbed"
        )
    else:
        lines.append(
            f"  public good  r = {s['classic.r']}, group size {s['classic.group_size']} | "
            f"mean payoff {_fmt(s['classic.mean_payoff'])}"
        )
    if out is not None:
        from sim.io import wrote_run_folder

        lines += wrote_run_folder(out, figures)
    print("\n".join(lines))


def write_run(scenario: ClassicScenario, seed: int, out: Path, quiet: bool = False, figures: bool = False) -> dict:
    """Run a classic scenario and write its results folder atomically (like ``kerjasama run``
    for villages: summary.json, timeseries.csv, manifest.json and, when ``figures``, figures/)."""
    from sim import io

    started = io.now()
    model = SpatialGame(scenario, rng=seed)
    model.run()
    summary = model.summary()
    finished = io.now()
    io.write_run_folder(
        model, summary, out, started, finished, draw_figures if figures else None, {"model": MODEL_NAME}
    )
    if not quiet:
        print_summary(summary, out, figures=figures)
    return summary


def describe(scenario: ClassicScenario) -> str:
    """One line for ``kerjasama check``."""
    p = scenario.params
    game, where = p["game"]["kind"], p["lattice"]["neighbourhood"]
    size = p["lattice"]["size"]
    if where in ("moore", "von_neumann"):
        shape = f"{size} x {size} {'torus' if p['lattice']['boundary'] == 'periodic' else 'lattice'} ({where})"
    else:
        shape = f"{size} players, well mixed" if where == "well_mixed" else f"a cycle of {size} nodes"
    return (
        f"{scenario.source}: OK - classic scenario {scenario.name!r}: {game}, {p['update']} update, {shape}, "
        f"{p['steps']} steps"
    )
