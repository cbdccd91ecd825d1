"""Enforcement (ODD 4, fines): detecting free-riders, fines collected and paid out.

A member that free-rides in a domain is detected with the probability its form's
``enforcement`` gives, and then pays ``fine`` x the contribution it withheld, unless it is
beyond the sanctions' reach (``behaviour.impunity_share``: detected, never fined). The
fines collected in a group go to its paying members, in equal shares; a group with
nobody to pay them to collects none. Fines only move money between members: what is
paid equals what is received.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.domains import group_sum

if TYPE_CHECKING:
    from sim.forms import Form
    from sim.year import Year


@dataclass(frozen=True)
class Enforcement:
    """Each form's ``enforcement`` (probability a free-ride is detected) and ``fine``
    (multiple of the withheld contribution), then 0 for a village alone."""

    enforcement: np.ndarray
    fine: np.ndarray

    @classmethod
    def of(cls, forms: list[Form]) -> Enforcement:
        return cls(np.array([f.enforcement for f in forms] + [0.0]), np.array([f.fine for f in forms] + [0.0]))


@dataclass(frozen=True)
class Fines:
    """This year's fines, money per village, by domain (villages x 3)."""

    detected: np.ndarray  # was the village caught free-riding? (bool)
    paid: np.ndarray
    received: np.ndarray

    @property
    def imbalance(self) -> float:
        """Fines paid minus fines received (0 up to rounding)."""
        return float(self.paid.sum() - self.received.sum())


def detect(year: Year, enforcement: np.ndarray, u_detect: np.ndarray) -> np.ndarray:
    """Which members are caught free-riding (villages x domains): each free-ride is
    detected with probability ``enforcement[form]`` (the last entry, alone, is 0)."""
    return year.member & ~year.pays & (u_detect < enforcement[year.form_index])


def settle(
    year: Year, detected: np.ndarray, fine_rate: np.ndarray, withheld: np.ndarray, impunity: np.ndarray | None = None
) -> Fines:
    """Detected free-riders pay ``fine_rate[form]`` x what they withheld (``withheld``:
    money per village, by domain), except those with ``impunity`` (villages: True where no
    fine is ever collected); each group's paying members share what its free-riders paid."""
    member, pays = year.member, year.pays
    fined = detected if impunity is None else detected & ~impunity[:, None]
    fines_paid = np.where(fined, fine_rate[year.form_index] * withheld, 0.0)
    fines_received = np.zeros(fines_paid.shape)
    for d, (lab, ng) in enumerate(year.labels):
        receivers = member[:, d] & pays[:, d]
        count = np.bincount(lab, weights=receivers.astype(float), minlength=ng)
        collectable = count > 0  # nobody to pay a fine to: none is collected
        fines_paid[:, d] = np.where(collectable[lab], fines_paid[:, d], 0.0)
        pot = group_sum(lab, fines_paid[:, d], ng)
        fines_received[:, d] = np.where(receivers, pot[lab] / np.maximum(count[lab], 1), 0.0)
    return Fines(detected, fines_paid, fines_received)
