"""Partnership forms: named bundles of parameters, and the rules of their life cycle.

The four default forms (formal agreement, informal working group, long-term and
temporary partnership) live in the scenario file under ``[forms.NAME]``; a
scenario may define new ones there without code changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.domains import AGRICULTURE, DOMAIN_NAMES, INFRASTRUCTURE, SERVICES, jitable
from sim.state import FORM_RULE


@jitable
def expected_compliance(trust, enforcement: float, fine: float):
    """Share of partners a member expects to contribute: those it trusts, and of the
    others those that enforcement makes comply (``enforcement`` x ``fine``, at most 1).
    Read by every expected gain (sim/gains.py)."""
    return trust + (1.0 - trust) * min(1.0, enforcement * fine)


@dataclass(frozen=True)
class Form:
    """One partnership form, as the scenario defines it (money in poverty-line units)."""

    name: str
    label: str
    setup_cost: float  # per member village, once
    running_cost: float  # per member village per step
    enforcement: float  # probability that a free-ride is detected
    fine: float  # multiple of the withheld contribution a detected free-rider pays
    sanction_trust_loss: float  # social sanction: extra trust partners lose in any free-rider they see
    term: int  # steps; 0 = open-ended
    renewable: bool
    exit_penalty: float  # per village leaving before the term ends
    trust_multiplier: float  # transparency: trust gains are multiplied by this
    identity_rate: float  # years of shared identity accrued per step together
    bundle: bool  # one partnership covers all its domains at once
    domains: tuple[int, ...]  # domain indices the form may cover
    max_members: int
    index: int  # position in the scenario's list of forms
    enterprise: bool = False  # runs a business (joint marketing) with its own capital account (sim/enterprise.py)
    capital_share: float = 0.0  # enterprise: share of each member's setup cost paid in as its capital
    trading_margin: float = 0.0  # enterprise: share of members' pooled sales it keeps of the marketing costs they pay
    operating_cost: float = 0.0  # enterprise: fixed operating costs, per enterprise per step

    @classmethod
    def from_params(cls, name: str, p: dict, index: int) -> Form:
        return cls(
            name=name,
            label=p["label"],
            setup_cost=p["setup_cost"],
            running_cost=p["running_cost"],
            enforcement=p["enforcement"],
            fine=p["fine"],
            sanction_trust_loss=p["sanction_trust_loss"],
            term=p["term"],
            renewable=p["renewable"],
            exit_penalty=p["exit_penalty"],
            trust_multiplier=p["trust_multiplier"],
            identity_rate=p["identity_rate"],
            bundle=p["bundle"],
            domains=tuple(DOMAIN_NAMES.index(d) for d in p["domains"]),
            max_members=p["max_members"],
            index=index,
            enterprise=p["enterprise"],
            capital_share=p["capital_share"],
            trading_margin=p["trading_margin"],
            operating_cost=p["operating_cost"],
        )

    @property
    def deters_free_riding(self) -> bool:
        """Enforcement strong enough that free-riding never pays: the expected
        fine is at least the contribution withheld."""
        return self.enforcement * self.fine >= 1.0

    @property
    def ends_at_term(self) -> bool:
        """Does a partnership of this form end by itself when its term is over?"""
        return self.term > 0 and not self.renewable

    def expected_compliance(self, trust: float) -> float:
        """Share of partners a member expects to contribute (:func:`expected_compliance`)."""
        return expected_compliance(trust, self.enforcement, self.fine)

    def covered_domains(self, domain: int) -> tuple[int, ...]:
        """Domains a partnership of this form, sought for ``domain``, covers."""
        return self.domains if self.bundle else (domain,)


def load_forms(params: dict) -> dict[str, Form]:
    """The forms a scenario allows (``cooperation.forms``), in that order."""
    allowed = params["cooperation"]["forms"]
    return {name: Form.from_params(name, params["forms"][name], i) for i, name in enumerate(allowed)}


def forms_for(forms: list[Form], domain: int, open_domains: list[int], mandate: dict) -> list[Form]:
    """Forms a village may choose for ``domain``: allowed, covering it, and the mandated
    form wherever ``policy.mandate`` names one for a domain the partnership would cover."""
    if domain not in open_domains:
        return []

    def permitted(form: Form) -> bool:
        covered = form.covered_domains(domain)
        return all(d in open_domains and mandate.get(DOMAIN_NAMES[d], form.name) == form.name for d in covered)

    return [f for f in forms if domain in f.domains and permitted(f)]


def form_records(forms: list[Form], open_domains: list[int], policy: dict) -> np.ndarray:
    """The allowed forms as the compiled rules read them (``state.FORM_RULE``), one record
    per form index, costs after ``policy`` subsidies. A record array, so that
    ``F[form].setup`` reads the same compiled and in plain Python."""
    allowed = {d: {f.name for f in forms_for(forms, d, open_domains, policy["mandate"])} for d in range(3)}
    rules = [
        (
            f.setup_cost * (1.0 - policy["subsidy_setup"]),
            f.running_cost * (1.0 - policy["subsidy_running"]),
            f.enforcement,
            f.fine,
            f.exit_penalty,
            f.term,
            f.renewable,
            f.bundle,
            f.max_members,
            AGRICULTURE in f.domains,
            SERVICES in f.domains,
            INFRASTRUCTURE in f.domains,
            f.name in allowed[AGRICULTURE],
            f.name in allowed[SERVICES],
            f.name in allowed[INFRASTRUCTURE],
            f.enterprise,
            f.capital_share * f.setup_cost if f.enterprise else 0.0,
            f.trading_margin if f.enterprise else 0.0,
        )
        for f in forms
    ]
    return np.array(rules, dtype=FORM_RULE).view(np.recarray)
