"""The records compiled code reads: villages, partnerships, ties, forms and the scenario's numbers.

The model owns its state as numpy arrays (``VillageState``, ``PartnershipTable`` in
``sim/model.py``); the compiled rules of ``sim/decisions.py``, ``sim/membership.py``,
``sim/gains.py`` and ``sim/lifecycle.py`` receive them bundled in these named tuples,
built by the model from its own arrays (so the rules update them in place):

* ``V`` (:data:`Villages`): village state, one row per village;
* ``T`` (:data:`Table`): the partnership table, one row per partnership id ever made;
* ``E`` (:data:`TieArrays`): the tie graph (CSR) with distance and trust per edge, and
  what distance fixes for each tie (shock correlation, service quality lost to a host);
* ``F``: the allowed forms, a structured array of :data:`FORM_RULE` records, by form index;
* ``P`` (:data:`Constants`): the scenario's numbers, and the services as a matrix.

Money is per household per step unless a name says otherwise.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

Villages = namedtuple(
    "Villages",
    "x y district households budget income_mean income_var reference_consumption risk_aversion expertise "
    "partnership contributed tenure expected_gain experience pending_cost fund pledged served_until upkeep_due "
    "host_distance",
)
Table = namedtuple(
    "Table",
    "form domains alive size members consent start years term_years fund contributions defections without "
    "end_step reason final_size next_pid",
)
# corr and loss: pair_geometry of each tie (pair_tables), fixed at set-up.
TieArrays = namedtuple("TieArrays", "indptr cols distance trust reverse corr loss")
# The allowed forms, one record per form (F[form].setup ...): a structured array, which
# compiled code indexes as fast as a plain array.
FORM_RULE = np.dtype(
    [
        ("setup", np.float64),  # set-up cost per member village, after any subsidy
        ("running", np.float64),  # running cost per member village per step, after any subsidy
        ("compliance", np.float64),  # how far enforcement alone makes partners comply, [0, 1]
        ("exit_penalty", np.float64),  # per village leaving before the term ends
        ("term", np.int64),  # steps; 0 = open-ended
        ("renewable", np.bool_),
        ("bundle", np.bool_),  # one partnership covers all the form's domains
        ("max_members", np.int64),
        ("covers_agriculture", np.bool_),
        ("covers_services", np.bool_),
        ("covers_infrastructure", np.bool_),
        ("allowed_agriculture", np.bool_),  # may a village seek it for this domain (allowed, mandate)?
        ("allowed_services", np.bool_),
        ("allowed_infrastructure", np.bool_),
    ]
)
Constants = namedtuple(
    "Constants",
    "now in_step temperature amortisation search_cost initial_trust split_by_population pool_share "
    "marketing_premium marketing_share district_weight local_weight correlation_km overhead "
    "pledge_share infra_weight irrigates irrigation_bonus build_cost lifetime "
    "upkeep build_saving joint_budget_share collapse_steps services",
)
