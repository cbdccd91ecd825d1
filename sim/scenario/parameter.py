"""What a scenario value may be: one declared parameter, and the error a person can fix.

A :class:`Parameter` declares one key of a scenario file once: its default, unit,
meaning, allowed values, whether it is money, and a plausible range for sweeps and
sliders. Schemas (``sim.scenario.schema.PARAMETERS`` for the villages) are dicts of
them by dotted key path; the checks of ``sim.scenario.validate`` read them.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


class ScenarioError(ValueError):
    """A scenario, override or experiment input that cannot be used, with a one-line reason."""


class ScenarioWarning(UserWarning):
    """An input that can be used but does not do all it says (e.g. ``--steps`` ends the run
    before a scheduled shock); the command line prints it as one line."""


def python_value(value: Any) -> Any:
    """``value`` with every numpy boolean, integer, float or string (a scalar such as
    ``np.int32(2)``, or a 0-d array of one) as the Python ``bool``, ``int``, ``float`` or ``str``
    of the same value (a longdouble: the nearest float), inside lists and tables too; anything
    else as it is.

    What a scenario stores is then plain Python whatever the caller passed (``mesa.batch_run``
    iterates numpy arrays of values; numpy's numbers are not Python's), so that it is checked by
    the same rules, written to JSON and TOML, hashed, and run exactly as the Python number would
    be. numpy is not imported here: until something has imported it, no value can be numpy's."""
    np = sys.modules.get("numpy")
    return value if np is None else _plain(value, np)


def _plain(value: Any, np: Any) -> Any:
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "biufU":
        value = value[()]  # the numpy scalar it holds
    if isinstance(value, np.generic):
        for numpy_kind, kind in ((np.bool_, bool), (np.integer, int), (np.floating, float), (np.str_, str)):
            if isinstance(value, numpy_kind):
                return kind(value)
        return value  # complex, dates, ...: refused by the check as they are
    if isinstance(value, list):
        return [_plain(item, np) for item in value]
    if isinstance(value, dict):
        return {_plain(key, np): _plain(item, np) for key, item in value.items()}
    return value


def did_you_mean(word: str, choices: Iterable, prefix: str = "") -> str:
    """The end of a message for a mistyped ``word``: "; did you mean 'PREFIX+X'?" with its closest
    choice X, else nothing."""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1)
    return f"; did you mean {prefix + close[0]!r}?" if close else ""


def allowed_text(lo=None, hi=None, choices=None, item_choices=None) -> str:
    """What is allowed, as error messages say it ("a number in [0, 1]", "one of 'a', 'b'")."""
    if choices:
        return "one of " + ", ".join(repr(c) for c in choices)
    if item_choices:
        return "a list drawn from " + ", ".join(repr(c) for c in item_choices)
    if lo is not None and hi is not None:
        return f"a number in [{lo:g}, {hi:g}]"
    if lo is not None:
        return f"a number >= {lo:g}"
    return "a finite number"


@dataclass(frozen=True)
class Rule:
    """What a value may be: inclusive bounds, allowed choices, and whether it is money.
    (The older form of a declaration, without default, unit or meaning; see :class:`Parameter`.)"""

    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None
    money: bool = False  # in currency units; divided by economy.poverty_line on load
    item_choices: tuple[str, ...] | None = None  # for lists of strings

    def describe(self) -> str:
        return allowed_text(self.lo, self.hi, self.choices, self.item_choices)


_KINDS = (bool, int, float, str, list)


@dataclass(frozen=True)
class Parameter:
    """One key of a scenario file, declared once.

    ``path`` is the dotted key as in the file; ``*`` stands for the name of an entry of an
    open table (``"forms.*.enforcement"``: every form's enforcement) or for the position
    in a list of tables (``"shocks.scheduled.*.step"``). Money values here (``default``,
    ``lo``, ``hi``, ``sweep``) are in poverty-line units, as in ``scenarios/default.toml``.

    Attributes:
        path: dotted key path.
        default: the value in the default scenario; for a ``*`` path a dict
            ``{entry name: value}`` of the default's entries (lists are tuples here).
        unit: the value's unit ("km", "money per household per step", "share", "1").
        meaning: one line a researcher understands.
        lo, hi: inclusive validity bounds (None: unbounded on that side).
        choices: the allowed strings of a string value.
        item_choices: the allowed strings of a list of strings.
        money: in currency units in a file; divided by ``economy.poverty_line`` on load.
        sweep: a plausible (low, high) for sweeps and explorer sliders; narrower than
            ``lo``/``hi`` where those are only what the model can compute.
        label: a short label for a control ("" : made from the key's last part).
        kind: the value's type, one of bool, int, float, str, list (of strings); taken
            from ``default`` when not given.
    """

    path: str
    default: Any
    unit: str
    meaning: str
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None
    item_choices: tuple[str, ...] | None = None
    money: bool = False
    sweep: tuple[float, float] | None = None
    label: str = ""
    kind: type | None = None

    def __post_init__(self) -> None:
        if self.kind is None:
            object.__setattr__(self, "kind", _kind_of(self))
        if self.kind not in _KINDS:
            raise TypeError(f"{self.path}: kind must be one of bool, int, float, str, list, not {self.kind!r}")

    @property
    def is_open(self) -> bool:
        """Whether the path names every entry of an open table or list (has a ``*``)."""
        return "*" in self.path

    @property
    def name(self) -> str:
        """The key's last part ("enforcement")."""
        return self.path.rsplit(".", 1)[-1]

    @property
    def short_label(self) -> str:
        """``label``, or the key's last part in words."""
        return self.label or self.name.replace("_", " ")

    def describe(self) -> str:
        """What is allowed, as error messages say it."""
        return allowed_text(self.lo, self.hi, self.choices, self.item_choices)

    def range_text(self) -> str:
        """What is allowed, briefly, for tables of parameters ("[0, 1]", ">= 0", "one of ...")."""
        if self.choices or self.item_choices:
            return self.describe()
        if self.kind not in (int, float):
            return ""
        if self.lo is not None and self.hi is not None:
            return f"[{_number(self.lo)}, {_number(self.hi)}]"
        if self.lo is not None:
            return f">= {_number(self.lo)}"
        return "any finite number"

    def sweep_range(self) -> tuple[float, float] | None:
        """``sweep``, else the validity bounds when both are finite, else None."""
        if self.sweep is not None:
            return self.sweep
        if self.kind in (int, float) and self.lo is not None and self.hi is not None:
            return (self.lo, self.hi)
        return None

    def sweep_range_in(self, poverty_line: float) -> tuple[float, float] | None:
        """``sweep_range`` in a file's own currency: money bounds times its poverty line."""
        found = self.sweep_range()
        if found is None or not self.money:
            return found
        return (found[0] * poverty_line, found[1] * poverty_line)

    @staticmethod
    def file_value(value: Any) -> Any:
        """A schema value as a scenario file writes it (tuples as lists)."""
        return list(value) if isinstance(value, tuple) else value


def _number(value: float) -> str:
    """A bound for people: whole numbers with thousands separators, others as %g."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:g}"


def _kind_of(p: Parameter) -> type:
    """The type of a parameter's values, from its default."""
    values = list(p.default.values()) if p.is_open else [p.default]
    if not values:
        raise TypeError(f"{p.path}: no default entry to take the kind from; give kind=")
    kind = type(values[0])
    return list if kind is tuple else kind
