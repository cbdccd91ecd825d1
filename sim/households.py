"""Budgets and households (ODD 5): what the village government spends, what households consume.

The village budget pays for services, infrastructure pledges and upkeep, and what its
partnerships cost (running costs, set-up and search costs and exit penalties owed from
this year's decisions, fines net of fines received); what is left is paid to households
as a dividend (a negative rest is a local tax). Households add farm income (after the
risk pool and joint marketing) and non-farm income; they save part of what is above the
poverty line, and when income falls below their usual consumption (``economy.smoothing``
of it, and at least the poverty line) draw down food stocks, then savings, to defend
that; with ``economy.allow_debt`` they borrow to reach subsistence.
"""

from __future__ import annotations

import numpy as np

from sim.domains import services
from sim.economy import Economy, Region
from sim.enforcement import Fines
from sim.state import VillageState

POVERTY_LINE = 1.0  # money is in poverty lines


def spend_and_consume(s: VillageState, economy: Economy, fines: Fines, region: Region) -> None:
    """The year's budgets, incomes, consumption, savings, food stocks and utility of
    every village (updates ``s``; costs owed from this year's decisions are then paid)."""
    p = region.params
    econ, h, n = p["economy"], s.households, s.n
    farming, building = economy.farming, economy.building
    # village budget: what is left goes to households (a negative rest is a local tax)
    partnership_costs = economy.running + s.pending_cost + fines.paid - fines.received
    spending = economy.servicing.bill + building.paid + partnership_costs.sum(axis=1)
    dividend = (s.budget - spending) / h
    # households: income, consumption, savings, food
    farm_income = farming.sold + farming.transfer + farming.marketing
    nonfarm = p["landscape"]["nonfarm_income"]
    if economy.nonfarm is not None:  # a scheduled income shock: jobs and remittances lost
        nonfarm = nonfarm * economy.nonfarm
    income = farm_income + nonfarm + dividend
    s.wealth = s.wealth * (1.0 - farming.fire_loss)
    line = POVERTY_LINE
    floor = np.maximum(line, econ["smoothing"] * s.reference_consumption)  # what households defend
    saving = np.where(income > line, econ["save_rate"] * (income - line), 0.0)
    shortfall = np.maximum(floor - (income - saving), 0.0)
    saving_cut = np.minimum(saving, shortfall)  # first save less, then draw on stocks
    saving, shortfall = saving - saving_cut, shortfall - saving_cut
    from_food = np.minimum(np.maximum(s.food, 0.0), shortfall)
    from_wealth = np.minimum(np.maximum(s.wealth, 0.0), shortfall - from_food)
    consumption = income - saving + from_food + from_wealth
    borrowed = np.zeros(n)
    if econ["allow_debt"]:
        borrowed = np.maximum(econ["subsistence"] - consumption, 0.0)
        consumption = consumption + borrowed
    consumption = np.maximum(consumption, 1e-3)  # emergency relief keeps consumption positive
    s.wealth = s.wealth + saving - from_wealth - borrowed
    s.food = (s.food - from_food) * (1.0 - p["agriculture"]["food_spoilage"]) + farming.stored
    s.consumption = consumption
    service_utility = services.utility(s.quality, p["services"], region.service_names)
    s.utility = np.log(consumption) + service_utility + building.utility
    s.pending_cost[:] = 0.0
