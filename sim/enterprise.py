"""Joint village enterprises (a form with ``enterprise = true``, e.g. the BUM Desa Bersama):
a partnership that runs a business, joint marketing, with its own capital account.

Its capital is what members paid in when they joined (``capital_share`` of their setup
cost) plus its retained trading results. Each year it trades, its result is its trading
revenue, ``trading_margin`` of the value of what its contributing members sell through it
(at this year's farm price: the part of the marketing costs they pay, ``agriculture.marketing_cost``
of those sales, that its variable costs do not use up; members pay the same with or without an
enterprise), minus its fixed ``operating_cost``; the result adds to or draws from the capital. When a loss exhausts the
capital (capital + result <= 0) the capital is 0 (the rest of the loss is not paid: the
enterprise stops operating) and the enterprise goes dormant: from the next year on it does
not trade (``year.Year``: its members are on their own in that domain and contribute
nothing, so the life cycle's collapse rule ends it after ``cooperation.collapse_steps``
years), until a new member's capital revives it (``membership.join``). A fall in the farm
price cuts revenue but not the fixed cost: it drains capital in the enterprises with
little volume.

An enterprise also decides each year whether to open at all (:func:`closures`, the firm's
shut-down rule): it expects the revenue of its last trading year, at this year's market
access (``shocks.market``: a scheduled closure of markets is known when the year starts),
and when that does not cover its operating cost it closes for the year: it sends its staff
home, pays no operating cost, earns nothing, and its members sell on their own (their
risk pool and extension go on). It opens again in the first year the expected revenue
covers the cost. Its first year it always opens. docs/ODD.md 7.14.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.state import PartnershipTable


@dataclass(frozen=True)
class Trading:
    """One year of every enterprise's account (money per enterprise, by partnership id)."""

    revenue: np.ndarray  # its trading margin on members' pooled sales
    result: np.ndarray  # revenue minus operating cost (0 for a partnership that did not trade)
    went_dormant: np.ndarray  # ids whose capital ran out this year
    closed: np.ndarray  # ids closed for the year (:func:`closures`)


def closures(table: PartnershipTable, is_enterprise: np.ndarray, operating_cost: np.ndarray, market: float):
    """Which enterprises stay closed this year (bool by partnership id): those that have traded
    before and whose revenue at full market access in their last trading year
    (``table.normal_revenue``), at this year's share of joint sales the markets take
    (``market``), would not cover their fixed ``operating_cost`` (per form index)."""
    n = int(table.next_pid[0])
    form = table.form[:n]
    open_for_trade = table.alive[:n] & is_enterprise[form] & ~table.dormant[:n] & table.traded[:n]
    return open_for_trade & (table.normal_revenue[:n] * market < operating_cost[form])


def trade(
    table: PartnershipTable,
    pid_of: np.ndarray,
    retained: np.ndarray,
    is_enterprise: np.ndarray,
    operating_cost: np.ndarray,
    closed: np.ndarray | None = None,
    market: float = 1.0,
) -> Trading:
    """Settle this year's account of every trading enterprise, in place: ``capital``,
    ``dormant``, ``traded`` and ``normal_revenue`` of ``table``. ``pid_of``: each village's
    partnership id in agriculture (-1 alone); ``retained``: what its enterprise kept out of
    its pooled sales, money per village; ``is_enterprise``, ``operating_cost``: per form
    index; ``closed``: the enterprises closed this year (:func:`closures`; None: none),
    ``market``: this year's share of joint sales the markets take."""
    n = int(table.next_pid[0])
    held = pid_of >= 0
    revenue = np.bincount(pid_of[held], weights=retained[held], minlength=n)[:n]
    form = table.form[:n]
    trading = table.alive[:n] & is_enterprise[form] & ~table.dormant[:n]
    if closed is not None:
        trading &= ~closed
    result = np.where(trading, revenue - operating_cost[form], 0.0)
    after = table.capital[:n] + result
    exhausted = trading & (after <= 0.0)
    table.capital[:n] = np.where(trading, np.maximum(after, 0.0), table.capital[:n])
    table.dormant[:n] |= exhausted
    if market > 0.0:  # what this year's trade would have brought with the markets open
        table.normal_revenue[:n] = np.where(trading, revenue / market, table.normal_revenue[:n])
        table.traded[:n] |= trading
    shut = np.zeros(0, dtype=np.int64) if closed is None else np.flatnonzero(closed)
    return Trading(revenue, result, np.flatnonzero(exhausted), shut)


def dormant_count(table: PartnershipTable) -> int:
    """Enterprises that exist now and are dormant."""
    n = int(table.next_pid[0])
    return int(np.count_nonzero(table.alive[:n] & table.dormant[:n]))
