"""What one reference check reports (a row of the validation table), and the suite's seed."""

from __future__ import annotations

from dataclasses import dataclass

SEED = 1  # master seed of the suite (chosen once; not tuned)


@dataclass
class Check:
    """One row of the validation table."""

    name: str
    reference: str
    literature: str
    measured: str
    tolerance: str
    passed: bool
    settings: str
    seconds: float = 0.0
