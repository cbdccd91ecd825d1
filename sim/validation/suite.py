"""The reference-result suite: which checks run, running them, and their table."""

from __future__ import annotations

import time
from collections.abc import Callable

from sim.validation.check import Check
from sim.validation.fixation import ohtsuki
from sim.validation.nowak_may import (
    nowak_may_asynchronous,
    nowak_may_b_invariance,
    nowak_may_kaleidoscope,
    nowak_may_random,
    nowak_may_regimes,
)
from sim.validation.public_goods import public_goods
from sim.validation.sensitivity import ishigami

CHECKS: tuple[Callable[[bool], list[Check]], ...] = (
    nowak_may_random,
    nowak_may_b_invariance,
    nowak_may_kaleidoscope,
    nowak_may_regimes,
    nowak_may_asynchronous,
    ohtsuki,
    public_goods,
    ishigami,
)


def run_suite(quick: bool = False, progress: bool = False, checks=None) -> list[Check]:
    """Run every check (or those given); ``progress`` prints one line per group as it finishes."""
    rows: list[Check] = []
    for check in CHECKS if checks is None else checks:
        started = time.perf_counter()
        found = check(quick)
        elapsed = time.perf_counter() - started
        unassigned = [row for row in found if not row.seconds]
        rest = max(elapsed - sum(row.seconds for row in found), 0.0)
        for row in unassigned:
            row.seconds = rest / len(unassigned)
        rows.extend(found)
        if progress:
            status = "pass" if all(r.passed for r in found) else "FAIL"
            print(f"  [{status}] {check.__name__} ({elapsed:.1f} s)", flush=True)
    return rows


def text_table(rows: list[Check]) -> str:
    """The table for the terminal: one block per check."""
    lines = []
    for i, row in enumerate(rows, 1):
        lines.append(f"{i:>2}. [{'PASS' if row.passed else 'FAIL'}] {row.name}")
        lines.append(f"      literature: {row.literature}   ({row.reference})")
        lines.append(f"      measured:   {row.measured}")
        lines.append(f"      tolerance:  {row.tolerance}   |   {row.settings}   [{row.seconds:.1f} s]")
    passed = sum(r.passed for r in rows)
    total = sum(r.seconds for r in rows)
    lines.append(f"{passed}/{len(rows)} checks pass ({total:.0f} s)")
    return "\n".join(lines)


def markdown_table(rows: list[Check]) -> str:
    """The table in Markdown, as in docs/validation.md."""

    def cell(text: str) -> str:
        return str(text).replace("|", "\\|")

    lines = [
        "| # | result | literature value | this project | tolerance | pass | settings |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, row in enumerate(rows, 1):
        lines.append(
            f"| {i} | {cell(row.name)} ({cell(row.reference)}) | {cell(row.literature)} | {cell(row.measured)} | "
            f"{cell(row.tolerance)} | {'pass' if row.passed else '**FAIL**'} | {cell(row.settings)} |"
        )
    return "\n".join(lines)
