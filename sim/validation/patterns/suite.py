"""The pattern suite: which patterns run, running them, their table, and the command
``kerjasama validate --patterns [--quick] [--markdown]``."""

from __future__ import annotations

import time
from collections.abc import Callable

from sim.validation.patterns.cases import PATTERNS
from sim.validation.patterns.runs import Pattern


def run_patterns(quick: bool = False, progress: bool = False, patterns=None) -> list[Pattern]:
    """Run every pattern (or those given); ``progress`` prints one line per pattern as it finishes."""
    rows: list[Pattern] = []
    for number, pattern in enumerate(PATTERNS if patterns is None else patterns, 1):
        started = time.perf_counter()
        row = pattern(quick)
        row.seconds = time.perf_counter() - started
        rows.append(row)
        if progress:
            print(f"  [{'pass' if row.passed else 'FAIL'}] {number}. {row.name} ({row.seconds:.1f} s)", flush=True)
    return rows


BLOCK: tuple[tuple[str, Callable[[Pattern], str]], ...] = (  # the terminal table: one line per field
    ("observed", lambda r: f"{r.observed}   ({r.source})"),
    ("simulated", lambda r: r.simulated),
    ("rule", lambda r: f"{r.rule}   |   tolerance: {r.tolerance}"),
    ("settings", lambda r: f"{r.settings}   [{r.seconds:.1f} s]"),
    ("note", lambda r: r.note),
)


def text_table(rows: list[Pattern]) -> str:
    """The table for the terminal: one block per pattern, then how many pass."""
    lines = []
    for i, row in enumerate(rows, 1):
        lines.append(f"{i:>2}. [{'PASS' if row.passed else 'FAIL'}] {row.name}   ({row.level})")
        lines += [f"      {label + ':':<10} {text(row)}" for label, text in BLOCK if text(row)]
    seconds = sum(r.seconds for r in rows)
    return "\n".join([*lines, f"{sum(r.passed for r in rows)}/{len(rows)} patterns pass ({seconds:.0f} s)"])


COLUMNS: tuple[tuple[str, Callable[[Pattern], str]], ...] = (  # the Markdown table: title, cell
    ("pattern (level)", lambda r: f"{r.name} ({r.level})"),
    ("observed (source)", lambda r: f"{r.observed} ({r.source})"),
    ("simulated", lambda r: r.simulated),
    ("rule", lambda r: r.rule),
    ("tolerance", lambda r: r.tolerance),
    ("pass", lambda r: "pass" if r.passed else "**FAIL**"),
    ("settings", lambda r: r.settings),
)


def markdown_table(rows: list[Pattern]) -> str:
    """The table in Markdown, as in docs/validation.md ("Empirical patterns")."""
    lines = ["| # | " + " | ".join(title for title, _ in COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    lines += [
        f"| {i} | " + " | ".join(str(cell(row)).replace("|", "\\|") for _, cell in COLUMNS) + " |"
        for i, row in enumerate(rows, 1)
    ]
    return "\n".join(lines)


def main(quick: bool, markdown: bool, run: Callable[..., list[Pattern]] = run_patterns) -> int:
    """``kerjasama validate --patterns``: run the suite, print its table; 0 only when every pattern passes."""
    rows = run(quick=quick, progress=not markdown)
    print(markdown_table(rows) if markdown else text_table(rows))
    return 0 if all(row.passed for row in rows) else 1
