"""The agents: villages, which decide, and the partnerships they form.

A student looking for *where a village decides* starts here, then reads the rules
themselves in ``sim/decisions.py`` (the one source of them):

* :meth:`Village.decide` - each step, for each domain it reviews, a village either
  reconsiders the partnership it is in (:meth:`Village.consider_leaving`) or whether
  to look for one (:meth:`Village.consider_joining`);
* :meth:`Village.seek_partners` - proposing to neighbours, with mutual consent
  (what each member expects to gain: ``sim/gains.py``);
* contributing or free-riding inside a partnership is decided for all villages at once
  by the rules of ``sim/behaviour.py``.

Village state (money, expertise, trust...) lives in numpy arrays owned by the model; a
``Village`` reads its own row through properties, and its decisions run the compiled
rules on the model's arrays. ``VillageModel.step`` runs the same rules for every village
(``decisions.review``), so a rule edited in ``sim/decisions.py`` changes what
``kerjasama run`` and the explorer do. Set ``NUMBA_DISABLE_JIT=1`` to run the rules as
plain Python, e.g. to step through a decision in a debugger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import decisions, gains, membership
from sim.domains import DOMAIN_NAMES
from sim.year import Year

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
    def capital(self) -> float:
        """An enterprise's capital (paid-in plus retained trading results), money; 0 for other forms."""
        return float(self.model.table.capital[self.pid])

    @property
    def dormant(self) -> bool:
        """Is it an enterprise whose capital ran out (it does not trade; sim/enterprise.py)?"""
        return bool(self.model.table.dormant[self.pid])

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

    @property
    def exit_penalty(self) -> float:
        """What a member leaving now pays the others (money per village): the form's
        penalty on any exit before the term ends (open-ended forms: on any exit)."""
        t = self.model.table
        return float(membership.exit_penalty(t.form, t.term_years, self.model.form_rules, self.pid))

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

    def identity(self, domain: int) -> float:
        """Shared identity with its partners in ``domain``, in [0, 1): the mean over
        them of 1 - exp(-years together / ``cooperation.identity.scale_steps``), as the
        year's rules see it (``year.partner_means``)."""
        m = self.model
        scale = float(m.params["cooperation"]["identity"]["scale_steps"])
        year = Year.fixed(self.state, m.table, m.ties, len(m.form_list), scale, m.steps)
        return float(year.identity(domain)[self.idx])

    # --- decisions (the rules: sim/decisions.py) ----------------------------------
    def decide(self, domains: list[int], u: np.ndarray) -> None:
        """Review membership in each domain in ``domains``, as the yearly review does
        (``decisions.review`` for this village alone); ``u[domain]`` is the uniform
        draw for the choice in that domain."""
        n = self.state.n
        reviews = np.zeros((n, 3), dtype=bool)
        reviews[self.idx, list(domains)] = True
        draws = np.zeros((n, 3))
        draws[self.idx] = u
        decisions.review(*self.model.records(), np.array([self.idx]), reviews, draws)

    def consider_joining(self, domain: int, u: float) -> None:
        """Stay alone, or look for a partnership of some form: logit choice on the
        learned expected gain of each form, net of set-up and search costs."""
        V, T, E, F, P = self.model.records()
        decisions.consider_joining(V, T, E, F, P, gains.gain_inputs(V), self.idx, domain, u)

    def consider_leaving(self, domain: int, u: float) -> None:
        """Stay, or leave (paying the form's exit penalty if leaving before its term ends)."""
        V, T, E, F, P = self.model.records()
        pid = int(V.partnership[self.idx, domain])
        if pid >= 0 and decisions.wants_to_leave(
            V.expected_gain, V.households, T.form, T.term_years, F, P.temperature, self.idx, domain, pid, u,
            np.empty(2),
        ):  # fmt: skip
            membership.leave(V, T, F, P, self.idx, pid, membership.LEFT)

    def seek_partners(self, domain: int, form: Form) -> bool:
        """Join a nearby partnership of ``form`` that accepts this village, or propose a
        new one to neighbours. A group forms only if every member gains in expectation.
        Returns whether the village ended up in a partnership."""
        self.model.table.reserve(1)  # room for the partnership it may form
        V, T, E, F, P = self.model.records()
        return bool(decisions.seek_partners(V, T, E, F, P, gains.gain_inputs(V), self.idx, domain, form.index))
