"""The agents: villages, which decide, and the partnerships they form.

A student looking for *where a village decides* should read :class:`Village`:

* :meth:`Village.decide` - each step, for each domain it reviews, a village either
  reconsiders the partnership it is in (:meth:`Village.consider_leaving`) or
  whether to look for one (:meth:`Village.consider_joining`);
* :meth:`Village.seek_partners` - proposing to neighbours, with mutual consent;
* :meth:`Village.will_contribute` - contribute or free-ride inside a partnership
  (the model applies the same rule to all villages at once in ``sim/behaviour.py``).

Village state (money, expertise, trust...) lives in numpy arrays owned by the
model; a ``Village`` reads and writes its own row through properties.

These methods are the definition of what a village does. ``VillageModel(engine="python")``
runs them one village at a time; by default the model runs the same rules compiled
(``sim/kernel.py``), which is what makes 75,000 villages practical, and
``tests/test_kernel.py`` checks that both give the same run. Change a rule here and in
``sim/kernel.py`` together (the test will tell you if they disagree); the formulas they
share (``sim/behaviour.py``, ``sim/domains/``) need changing only once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import behaviour
from sim.domains import DOMAIN_NAMES

if TYPE_CHECKING:
    from sim.forms import Form
    from sim.model import VillageModel


class Partnership:
    """A group of villages cooperating in one or more domains under one form.

    It has members, the domains it covers, its form, a start step, a term, a fund
    for infrastructure pledges, and its own record of contributions and defections.
    It is a view of one row of the model's partnership table (``model.table``), so
    that 75,000 villages' partnerships cost arrays, not objects.
    """

    def __init__(self, model: VillageModel, pid: int):
        self.model = model
        self.pid = pid

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Partnership) and other.model is self.model and other.pid == self.pid

    def __hash__(self) -> int:
        return hash((id(self.model), self.pid))

    @property
    def form(self) -> Form:
        return self.model.form_list[self.model.table.form[self.pid]]

    @property
    def domains(self) -> tuple[int, ...]:
        return tuple(int(d) for d in np.flatnonzero(self.model.table.domains[self.pid]))

    @property
    def members(self) -> list[int]:
        """Member villages, in the order they joined."""
        return [int(m) for m in self.model.table.members[self.pid, : self.size]]

    @property
    def size(self) -> int:
        return int(self.model.table.size[self.pid])

    @property
    def alive(self) -> bool:
        return bool(self.model.table.alive[self.pid])

    @property
    def start(self) -> int:
        """Its first economic year."""
        return int(self.model.table.start[self.pid])

    @property
    def years(self) -> int:
        """Economic years it has run."""
        return int(self.model.table.years[self.pid])

    @property
    def term_years(self) -> int:
        """Economic years of the current term."""
        return int(self.model.table.term_years[self.pid])

    @property
    def fund(self) -> float:
        """Infrastructure pledges collected and not yet spent, money."""
        return float(self.model.table.fund[self.pid])

    @property
    def pledged(self) -> dict[int, float]:
        """What each member has put into the fund (its claim if it leaves before a build)."""
        return {m: float(self.model.state.pledged[m]) for m in self.members}

    @property
    def consent(self) -> dict[int, float]:
        """Each member's expected gain when it joined (all >= 0: mutual consent)."""
        return {m: float(g) for m, g in zip(self.members, self.model.table.consent[self.pid, : self.size], strict=True)}

    @property
    def contributions(self) -> int:
        return int(self.model.table.contributions[self.pid])

    @property
    def defections(self) -> int:
        return int(self.model.table.defections[self.pid])

    def term_over(self) -> bool:
        """Has the current term run out (always False for open-ended forms)?"""
        return self.form.term > 0 and self.term_years >= self.form.term

    def describe(self) -> str:
        names = "+".join(DOMAIN_NAMES[d] for d in self.domains)
        return f"{self.form.label} on {names} with {self.size} villages since step {self.start}"


class Village(mesa.Agent):
    """One village. Its state is row ``idx`` of the model's arrays."""

    def __init__(self, model: VillageModel, idx: int):
        super().__init__(model)
        self.idx = idx

    # --- what a village is (read through the model's arrays) -----------------
    @property
    def state(self):
        return self.model.state

    @property
    def households(self) -> float:
        return float(self.state.households[self.idx])

    @property
    def consumption(self) -> float:
        """Mean consumption per household in the last step (poverty-line units)."""
        return float(self.state.consumption[self.idx])

    @property
    def wealth(self) -> float:
        return float(self.state.wealth[self.idx])

    @property
    def position(self) -> tuple[float, float]:
        return float(self.state.x[self.idx]), float(self.state.y[self.idx])

    def partnership(self, domain: int) -> Partnership | None:
        """The partnership this village belongs to in ``domain``, if any."""
        pid = self.state.partnership[self.idx, domain]
        return self.model.partnerships.get(int(pid)) if pid >= 0 else None

    def is_free(self, domains: tuple[int, ...]) -> bool:
        return bool(np.all(self.state.partnership[self.idx, list(domains)] < 0))

    # --- decisions ------------------------------------------------------------
    def decide(self, domains: list[int], u: np.ndarray) -> None:
        """Review membership in each domain in ``domains`` (those it reviews this step);
        ``u[domain]`` is this step's uniform draw for the choice in that domain."""
        for domain in domains:
            current = self.partnership(domain)
            if current is not None and self.state.tenure[self.idx, domain] == 0:
                continue  # joined this very step (e.g. a bundle sought for another domain)
            if current is None:
                self.consider_joining(domain, u[domain])
            else:
                self.consider_leaving(domain, current, u[domain])

    def consider_joining(self, domain: int, u: float) -> None:
        """Stay alone, or look for a partnership of some form: logit choice on the
        learned expected gain of each form, net of setup and search costs."""
        model = self.model
        options = [form for form in model.forms_for(domain) if self.is_free(form.covered_domains(domain))]
        if not options:
            return
        values = [0.0]  # going alone is the reference
        for form in options:
            values.append(
                model.learned_gain(self.idx, domain, form)
                - model.setup_cost(form) / (self.households * model.amortisation)
                - model.search_cost() / self.households
            )
        choice = behaviour.logit_choice(np.array(values), model.temperature, u)
        if choice > 0:
            self.seek_partners(domain, options[choice - 1])

    def consider_leaving(self, domain: int, partnership: Partnership, u: float) -> None:
        """Stay, or leave (paying the form's exit penalty if leaving before its term ends)."""
        model = self.model
        stay = model.learned_gain(self.idx, domain, partnership.form)
        leave = -model.exit_penalty(partnership) / self.households
        choice = behaviour.logit_choice(np.array([stay, leave]), model.temperature, u)
        if choice == 1:
            model.leave(self.idx, partnership, reason="left")

    def seek_partners(self, domain: int, form: Form) -> bool:
        """Join a nearby partnership of ``form`` that accepts us, or propose a new one
        to neighbours. A group forms only if every member gains in expectation."""
        model = self.model
        model.charge_search(self.idx, domain)
        covered = form.covered_domains(domain)
        for partnership in model.nearby_partnerships(self.idx, domain, form):
            members = [*partnership.members, self.idx]
            gains = model.expected_gains(form, covered, members)
            if np.all(gains >= 0.0):
                model.join(self.idx, partnership, float(gains[-1]))
                return True
        # Propose to neighbours in order of preference: each joins if it is tied to all
        # members so far and every member (itself included) still gains in expectation.
        group = [self.idx]
        for candidate in model.candidates(self.idx, covered, form):
            if len(group) >= form.max_members:
                break
            if model.all_tied(candidate, group) and np.all(
                model.expected_gains(form, covered, [*group, candidate]) >= 0
            ):
                group.append(candidate)
        if len(group) < 2:
            return False
        model.form_partnership(form, covered, group)
        return True

    def will_contribute(self, domain: int, u_rule: float, u_error: float) -> bool:
        """Contribute or free-ride this step, for one village (readable version of
        the batch rule the model applies; both give the same answer, see tests)."""
        model, i = self.model, self.idx
        s = self.state
        partnership = self.partnership(domain)
        if partnership is None:
            return True  # alone, a village pays its own way
        partners = [j for j in partnership.members if j != i]
        rule = model.params["behaviour"]["rule"]
        if rule == "always_cooperate":
            action = True
        elif rule == "always_defect":
            action = False
        elif rule == "conditional":
            edges = [model.ties.edge(i, j) for j in partners]
            trust = np.array([model.ties.trust[e] for e in edges])
            did = np.array([s.contributed[j, domain] for j in partners])
            signal = float(np.mean(trust * did)) if partners else 0.0
            identity = model.identity_level(i, domain)
            first_step = s.tenure[i, domain] == 0  # open with good faith
            # the rule itself lives in sim/behaviour.py, shared with the model's batch version
            action = bool(
                behaviour.conditional_cooperation(
                    np.array([signal]),
                    np.array([s.threshold[i]]),
                    np.array([identity]),
                    model.params["cooperation"]["identity"]["threshold_discount"],
                    np.array([partnership.form.deters_free_riding]),
                    np.array([first_step]),
                )[0]
            )
        elif rule == "reinforcement":
            pc, pd = s.propensity[i, domain, 0], s.propensity[i, domain, 1]
            action = bool(behaviour.reinforcement(np.array(pc), np.array(pd), model.rl_temperature, np.array(u_rule)))
        else:  # imitate_best
            # copy the best-earning partner if it did better than us (ties: cooperation wins)
            best = max(s.payoff[j, domain] for j in partners)
            if best > s.payoff[i, domain]:
                action = any(s.contributed[j, domain] for j in partners if s.payoff[j, domain] == best)
            else:
                action = bool(s.contributed[i, domain])
        return bool(action) != (u_error < model.params["behaviour"]["error_rate"])
