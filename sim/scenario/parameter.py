"""What a scenario value may be, and the error a person can fix."""

from __future__ import annotations

from dataclasses import dataclass


class ScenarioError(ValueError):
    """A scenario, override or experiment input that cannot be used, with a one-line reason."""


@dataclass(frozen=True)
class Rule:
    """What a value may be: inclusive bounds, allowed choices, and whether it is money."""

    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None
    money: bool = False  # in currency units; divided by economy.poverty_line on load
    item_choices: tuple[str, ...] | None = None  # for lists of strings

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.item_choices:
            return "a list drawn from " + ", ".join(repr(c) for c in self.item_choices)
        if self.lo is not None and self.hi is not None:
            return f"a number in [{self.lo:g}, {self.hi:g}]"
        if self.lo is not None:
            return f"a number >= {self.lo:g}"
        return "a finite number"
