"""The records compiled code reads (sim/state.py): the partnership table and the
villages' arrays, shared (not copied) with the compiled rules."""

from __future__ import annotations

import numpy as np

from sim.state import PartnershipTable, Table, Villages, VillageState, villages_record


def _a_table_with_row_59() -> PartnershipTable:
    t = PartnershipTable(max_members=4)
    t.next_pid[0] = 60
    t.form[59], t.alive[59], t.size[59], t.fund[59] = 2, True, 3, 7.5
    t.members[59, :3] = [5, 6, 7]
    t.domains[59, 1] = True
    t.consent[59, :3] = [0.1, 0.2, 0.3]
    return t


def test_the_table_reserves_by_doubling_and_keeps_every_row():
    t = _a_table_with_row_59()
    assert t.capacity == 64
    t.reserve(4)  # 60 + 4 rows fit already
    assert t.capacity == 64
    t.reserve(5)  # 65 rows: double
    assert t.capacity == 128
    t.reserve(500)  # more than double: exactly what is needed
    assert t.capacity == 560
    for name in [*PartnershipTable.FIELDS, "domains", "members", "consent"]:
        column = getattr(t, name)
        assert column.shape[0] == 560, name
        assert not column[60:].any(), name  # new rows start empty
    assert t.members.shape == t.consent.shape == (560, 4) and t.domains.shape == (560, 3)
    assert (t.form[59], t.alive[59], t.size[59], t.fund[59]) == (2, True, 3, 7.5)
    assert t.members[59].tolist() == [5, 6, 7, 0] and t.domains[59].tolist() == [False, True, False]
    assert t.consent[59].tolist() == [0.1, 0.2, 0.3, 0.0]
    assert t.form.dtype == np.int64 and t.alive.dtype == np.bool_ and t.fund.dtype == np.float64


def test_live_partnerships_are_the_alive_rows_oldest_first_and_records_share_the_arrays():
    t = _a_table_with_row_59()
    t.alive[[3, 40]] = True
    assert t.live().tolist() == [3, 40, 59]
    record = t.arrays()
    assert isinstance(record, Table) and record.fund is t.fund and record.next_pid is t.next_pid
    record.fund[3] = 1.0  # what compiled code writes, the table holds
    assert t.fund[3] == 1.0
    assert PartnershipTable(max_members=1).members.shape[1] == 2  # room for a pair at least


def test_the_villages_record_is_the_state_s_own_arrays():
    n = 3
    s = VillageState(n, **{name: np.zeros(n) for name in Villages._fields})
    record = villages_record(s)
    assert all(getattr(record, name) is getattr(s, name) for name in Villages._fields)
