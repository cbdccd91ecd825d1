"""SpatialGame (sim/classic/model.py): seeding and Mesa's conventions."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.classic import SpatialGame


def test_same_seed_same_run_different_seed_different_run():
    kw = {"steps": 30, "lattice.size": 30}
    a = SpatialGame("classic/nowak_may_asynchronous", rng=7, **kw).run().timeseries()
    b = SpatialGame("classic/nowak_may_asynchronous", rng=7, **kw).run().timeseries()
    c = SpatialGame("classic/nowak_may_asynchronous", rng=8, **kw).run().timeseries()
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_a_numpy_seed_and_numpy_values_run_as_the_python_numbers():
    import numpy as np

    kw = {"steps": 5, "lattice.size": 12}
    plain = SpatialGame("classic/nowak_may", rng=3, **kw).run().timeseries()
    numpy = SpatialGame("classic/nowak_may", rng=np.int64(3), steps=np.int32(5), **{"lattice.size": np.int64(12)})
    pd.testing.assert_frame_equal(numpy.run().timeseries(), plain)
    assert type(numpy.seed) is int


def test_mesa_conventions():
    import mesa

    m = SpatialGame("classic/nowak_may", rng=5, steps=3, **{"lattice.size": 12})
    assert isinstance(m, mesa.Model)
    assert m.scenario.rng == 5 and m.scenario.model is m
    assert m.scenario.get("lattice.size") == 12
    rows = mesa.batch_run(
        SpatialGame,
        parameters={"scenario": "classic/nowak_may", "steps": 3, "lattice.size": [10, 12]},
        rng=[1, 2],
        max_steps=3,
        number_processes=1,
        display_progress=False,
    )
    assert len({(r["lattice.size"], r["rng"]) for r in rows}) == 4


def test_each_game_is_played_by_its_class_and_collects_its_columns():
    from sim.classic import DonationGame, LatticeGame, PublicGoodsGame

    cases = [
        ("classic/nowak_may", {"lattice.size": 10}, LatticeGame),
        ("classic/ohtsuki_cycle", {"death_birth.replicas": 20}, DonationGame),
        ("classic/public_goods", {"lattice.size": 20}, PublicGoodsGame),
    ]
    for name, overrides, kind in cases:
        m = SpatialGame(name, rng=1, steps=3, **overrides).run()
        assert isinstance(m.state, kind)
        assert list(m.timeseries().columns) == ["step", "cooperator_fraction", *kind.columns]
        assert m.summary()["classic.players"] == m.state.players
    assert m.state.contributes.shape == (20,)
    with pytest.raises(AttributeError, match="no lattice"):
        m.lattice  # noqa: B018
