"""The no-shock counterfactual ("twin"): the same run without the scheduled shock.

Resilience compares a run with the same run, same seed, without its scheduled shock.
Until the shock's first step the two are the same run, so the twin does not step
before it: at the shock, the model copies itself into the twin (:func:`fork`), and from
then on the twin steps in a second thread while the model steps (:func:`alongside`).
Both draw the same background shocks (shared, under a lock: ``Environment.share_draws_with``)
and the same decisions, from streams seeded alike.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from sim.state import PartnershipTable, VillageState

if TYPE_CHECKING:
    from sim.model import VillageModel

# what a model carries from year to year besides its state, table and ties
CARRIED = ("_identity_sum", "innovations", "last_shocks")
CARRIED_LISTS = ("_village_consumption", "transfers_log", "fine_imbalance")


def fork(model: VillageModel, twin: VillageModel) -> None:
    """Make ``twin`` a copy of ``model`` as it stands before the shock's first step; from
    then on it steps on its own (the same streams, without the shock)."""
    for name in VillageState.__dataclass_fields__:
        value = getattr(model.state, name)
        setattr(twin.state, name, value.copy() if isinstance(value, np.ndarray) else value)
    for name in [*PartnershipTable.FIELDS, "domains", "members", "consent", "next_pid"]:
        setattr(twin.table, name, getattr(model.table, name).copy())
    twin.table.capacity = model.table.capacity
    twin.ties.trust = model.ties.trust.copy()
    twin.ties.years_together = model.ties.years_together.copy()
    twin.decision_rng.bit_generator.state = model.decision_rng.bit_generator.state
    for name in CARRIED:
        setattr(twin, name, getattr(model, name))
    for name in CARRIED_LISTS:
        setattr(twin, name, list(getattr(model, name)))
    twin._stats = dict(model._stats)
    twin.forked = True


@contextmanager
def alongside(model: VillageModel, parallel: bool = True) -> Iterator[None]:
    """Step the model's twin (if it has one) while the body steps the model: in a second
    thread once forked (``parallel``), else in this one. The twin shares nothing mutable
    with the model but the shock draws (locked). An error in the twin is raised here."""
    twin = model.counterfactual
    if twin is not None and not twin.forked and model.steps >= model.shock_step:
        fork(model, twin)
    helper, failure = None, []
    if twin is not None and twin.forked and parallel:

        def step_twin() -> None:
            try:
                twin.step()
            except BaseException as error:  # re-raised below, in the model's thread
                failure.append(error)

        helper = threading.Thread(target=step_twin, name="kerjasama-twin")
        helper.start()
    elif twin is not None:
        twin.step()  # counts the step (and runs it, once forked)
    yield
    if helper is not None:
        helper.join()
        if failure:
            raise failure[0]
