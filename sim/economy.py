"""The year's economy (ODD 4): farms and risk pools, services, infrastructure.

Vectorised over all villages; a village alone is a group of one, so the same
formulas (``sim/domains/``) give autarky. Each domain's year is one function of its
module; this module runs them in order and adds what partnerships cost to run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim import enterprise
from sim.domains import AGRICULTURE, agriculture, infrastructure, services
from sim.domains.agriculture import Farming
from sim.domains.infrastructure import Building
from sim.domains.services import Servicing
from sim.forms import Form
from sim.outputs import service_names
from sim.shocks import Shocks
from sim.state import PartnershipTable, VillageState
from sim.year import Year


@dataclass(frozen=True)
class Region:
    """What the economy reads that stays the same from year to year."""

    params: dict  # the scenario
    service_names: list[str]
    spillover: tuple[np.ndarray, np.ndarray]  # each village's neighbours within a project's reach (CSR)
    running_cost: np.ndarray  # per form, after subsidies, then 0 for a village alone: money per village per step
    covers: np.ndarray  # per form, the domains one partnership covers (a bundle: all its domains), then 1
    # per form, then one entry for a village alone: does it run an enterprise (sim/enterprise.py), its margin on
    # pooled sales, its fixed operating cost (money per enterprise per step)
    enterprise: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=bool))
    trading_margin: np.ndarray = field(default_factory=lambda: np.zeros(1))
    operating_cost: np.ndarray = field(default_factory=lambda: np.zeros(1))

    @classmethod
    def of(cls, params: dict, forms: list[Form], spillover) -> Region:
        subsidy = params["policy"]["subsidy_running"]
        running = np.array([f.running_cost * (1.0 - subsidy) for f in forms] + [0.0])
        covers = np.array([len(f.domains) if f.bundle else 1 for f in forms] + [1])
        is_enterprise = np.array([f.enterprise for f in forms] + [False])
        margin = np.array([f.trading_margin if f.enterprise else 0.0 for f in forms] + [0.0])
        operating = np.array([f.operating_cost if f.enterprise else 0.0 for f in forms] + [0.0])
        return cls(params, service_names(params), spillover, running, covers, is_enterprise, margin, operating)


@dataclass(frozen=True)
class Economy:
    """One year of the three domains, and what partnerships cost to run."""

    farming: Farming
    servicing: Servicing
    building: Building
    running: np.ndarray  # running cost of each village's partnership, money per village, villages x domains
    averted: np.ndarray | None = None  # money per household: farm revenue a protecting project would keep from this
    # year's droughts and floods, for every village (served or not); None when the project protects nothing
    trading: enterprise.Trading | None = None  # the enterprises' accounts this year (None: no enterprise form)
    nonfarm: np.ndarray | None = None  # non-farm income per village relative to normal (None: 1; ``income`` shocks)

    @property
    def withheld(self) -> np.ndarray:
        """What free-riders kept back, money per village, villages x domains."""
        return np.stack([self.farming.withheld, self.servicing.withheld, self.building.withheld], axis=1)


def running_costs(year: Year, region: Region) -> np.ndarray:
    """Running cost each village pays this year for its partnership in each domain
    (money per village; a bundle's cost is spread over its domains). Shared identity
    makes it cheaper: x (1 - ``cooperation.identity.cost_discount`` x identity)."""
    discount = region.params["cooperation"]["identity"]["cost_discount"]
    running = np.zeros(year.form_index.shape)
    for d in range(3):
        idx = year.form_index[:, d]
        base = region.running_cost[idx] / region.covers[idx]
        running[:, d] = base * (1.0 - discount * year.identity(d))
    return running


def run_year(s: VillageState, year: Year, shocks: Shocks, region: Region, table: PartnershipTable, constants):
    """Farming (fires are fought with last year's services; droughts and floods are
    softened on land a protecting project serves) and the enterprises' accounts
    (``enterprise.trade``), then services, then infrastructure (whose pledges are capped
    by the budget left after running costs).
    ``constants``: the scenario's numbers for the compiled rules (``state.Constants``)."""
    p = region.params
    protection = services.fire_protection(s.quality, p["services"], region.service_names)
    served = s.served_until > year.step
    irrigation = infrastructure.irrigation(served, region.spillover, p["infrastructure"])
    protects = p["infrastructure"]["protection"] > 0.0
    averted = infrastructure.averted_output(s, shocks, irrigation, p) if protects else None
    felt = infrastructure.shielded(shocks, served, p["infrastructure"]["protection"])  # flood/drought protection
    margin = closed = pid_of = None
    if region.enterprise.any():  # which enterprises open this year (their shut-down rule), and their margins
        margin = region.trading_margin[year.form_index[:, AGRICULTURE]]
        pid_of = np.where(year.member[:, AGRICULTURE], s.partnership[:, AGRICULTURE], -1)
        shut = enterprise.closures(table, region.enterprise, region.operating_cost, shocks.market)
        n = int(table.next_pid[0])
        table.closed[:n] = shut
        closed = np.where(pid_of >= 0, table.closed[np.maximum(pid_of, 0)], False)
    farming = agriculture.farm_year(s, year, felt, protection, irrigation, p, margin, closed)
    if averted is not None:  # at this year's price, after fires, as the revenue it would have been
        averted = averted * (1.0 - farming.fire_loss) * shocks.price
    trading = None
    if margin is not None:  # the enterprises' year: revenue from what members marketed, costs, capital
        trading = enterprise.trade(
            table, pid_of, farming.retained * s.households, region.enterprise, region.operating_cost,
            shut, shocks.market,
        )  # fmt: skip
    servicing = services.services_year(s, year, p["services"], region.service_names)
    running = running_costs(year, region)
    building = infrastructure.infrastructure_year(s, year, running, table, constants, region.spillover, p)
    return Economy(farming, servicing, building, running, averted=averted, trading=trading, nonfarm=shocks.nonfarm)
