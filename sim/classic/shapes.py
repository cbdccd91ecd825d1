"""The few facts about the classic games' structures that checking a scenario needs: the
neighbourhoods' offsets, the exact payoff ratio, the regular graphs' sizes. Pure Python, so
that ``kerjasama check`` and its one-line errors import neither numpy kernels nor Mesa.
"""

from __future__ import annotations

from fractions import Fraction

MAX_DENOMINATOR = 10**9  # b must be a decimal with at most 9 decimals (exact integer scores)

OFFSETS = {
    "moore": tuple((di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1) if (di, dj) != (0, 0)),
    "von_neumann": ((-1, 0), (1, 0), (0, -1), (0, 1)),
}


def exact_ratio(b: float) -> tuple[int, int]:
    """``b`` as the fraction p/q of the decimal written (1.9 -> (19, 10))."""
    fraction = Fraction(repr(float(b)))
    if fraction.denominator > MAX_DENOMINATOR:
        raise ValueError(f"b = {b!r} has more than 9 decimals")
    return fraction.numerator, fraction.denominator


def graph_shape(neighbourhood: str, size: int) -> tuple[int, int]:
    """(nodes, degree) of the regular graph of a death-birth scenario."""
    if neighbourhood == "ring":
        return size, 2
    return size * size, 4 if neighbourhood == "von_neumann" else 8
