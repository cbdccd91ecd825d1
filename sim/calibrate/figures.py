"""Figures of a calibration: each parameter's posterior against its prior, the pairs, epsilon.

Drawn with matplotlib from the posterior table (weighted particles) and the table of
generations; written by ``sim.plots.save_png`` (the same figure is the same bytes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.io import write_atomically
from sim.plots import plt, save_png

POSTERIOR_COLOUR = "#1f77b4"


def _short(key: str) -> str:
    """A parameter's axis label: its dotted key without the table it is in."""
    return key.split(".", 1)[-1].replace("_", " ")


def marginals_figure(posterior: pd.DataFrame, priors: dict[str, tuple[float, float]], truth: dict | None = None):
    """One panel per parameter: the weighted posterior histogram over its uniform prior's range
    (the prior's density dashed), the posterior median and 95 % interval marked."""
    keys = list(priors)
    fig, axes = plt.subplots(1, len(keys), figsize=(3.4 * len(keys), 2.9), squeeze=False)
    weights = posterior["weight"].to_numpy()
    for ax, key in zip(axes[0], keys, strict=True):
        low, high = priors[key]
        values = posterior[key].to_numpy()
        ax.hist(values, bins=20, range=(low, high), weights=weights, density=True, color=POSTERIOR_COLOUR, alpha=0.6)
        ax.hlines(1.0 / (high - low), low, high, colors="grey", linestyles="--", label="prior")
        q = weighted_quantiles(values, weights, (0.025, 0.5, 0.975))
        ax.axvline(q[1], color="black", lw=1.2, label="posterior median")
        ax.axvspan(q[0], q[2], color=POSTERIOR_COLOUR, alpha=0.12, lw=0, label="95 % interval")
        if truth and key in truth:
            ax.axvline(truth[key], color="red", lw=1.2, ls=":", label="true value")
        ax.set_xlim(low, high)
        ax.set_xlabel(_short(key))
        ax.set_yticks([])
    axes[0][0].set_ylabel("density")
    axes[0][-1].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def pairs_figure(posterior: pd.DataFrame, priors: dict[str, tuple[float, float]]):
    """Every pair of parameters: the particles, sized by weight, on the priors' ranges."""
    keys = list(priors)
    k = len(keys)
    fig, axes = plt.subplots(k, k, figsize=(2.4 * k + 0.6, 2.4 * k + 0.4), squeeze=False)
    weights = posterior["weight"].to_numpy()
    sizes = 6 + 60 * weights / max(weights.max(), 1e-300)
    for row, y in enumerate(keys):
        for col, x in enumerate(keys):
            ax = axes[row][col]
            if row == col:
                ax.hist(posterior[x], bins=20, range=priors[x], weights=weights, color=POSTERIOR_COLOUR, alpha=0.6)
                ax.set_yticks([])
            else:
                ax.scatter(posterior[x], posterior[y], s=sizes, color=POSTERIOR_COLOUR, alpha=0.5, lw=0)
                ax.set_ylim(*priors[y])
            ax.set_xlim(*priors[x])
            if row == k - 1:
                ax.set_xlabel(_short(x), fontsize=8)
            if col == 0 and row != col:
                ax.set_ylabel(_short(y), fontsize=8)
            ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


def epsilon_figure(generations: pd.DataFrame):
    """The accepted distance (epsilon) of each generation after the first (which accepts every
    draw from the prior), on a log scale, and the acceptance rate."""
    fig, ax = plt.subplots(figsize=(5.2, 3.0))
    shown = generations[np.isfinite(generations["epsilon"])]
    ax.plot(shown["generation"], shown["epsilon"], marker="o", color="black")
    ax.set_yscale("log")
    ax.set_xlabel("generation")
    ax.set_ylabel("epsilon (accepted distance)")
    rate = ax.twinx()
    rate.plot(generations["generation"], generations["acceptance_rate"], marker=".", color="grey", ls="--")
    rate.set_ylabel("acceptance rate", color="grey")
    rate.set_ylim(0, 1.05)
    fig.tight_layout()
    return fig


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, probabilities) -> list[float]:
    """Quantiles of weighted particles: the smallest value whose cumulative weight reaches each
    probability (weights normalised to 1)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return [float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)]) for q in probabilities]


def write_figures(posterior: pd.DataFrame, generations: pd.DataFrame, priors: dict, folder: Path, truth=None) -> None:
    """marginals.png, pairs.png (two or more parameters) and epsilon.png into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    figures = {"marginals": marginals_figure(posterior, priors, truth), "epsilon": epsilon_figure(generations)}
    if len(priors) > 1:
        figures["pairs"] = pairs_figure(posterior, priors)
    for name, fig in figures.items():
        write_atomically(folder / f"{name}.png", lambda tmp, fig=fig: save_png(fig, tmp))
        plt.close(fig)
