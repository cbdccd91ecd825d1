"""The one map of the villages (sim/village_map.py), as the run figures and the explorer draw it."""

from __future__ import annotations

import os

import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from sim import plots, village_map
from sim.model import VillageModel
from sim.village_map import CONSUMPTION, FORM_COLOURS, Look, form_colours

MARKED = Look(tie_alpha=0.75, dot_base=12.0, dot_scale=70.0, colorbar_shrink=0.85, markers=True)


@pytest.fixture(scope="module")
def model():
    m = VillageModel("indonesia_kerjasama_antar_desa", rng=42, n_villages=300)  # a fifth form, bum_desa_bersama
    for _ in range(6):
        m.step()
    return m


def _draw(model, look, colouring=CONSUMPTION):
    fig = Figure(figsize=(6.4, 5.2), layout="constrained")
    ax = fig.add_subplot()
    village_map.village_map(ax, model, colouring, look)
    fig.savefig(os.devnull, format="png", dpi=60)
    return ax


def _points(ax) -> list[PathCollection]:
    return [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_offsets())]


def test_villages_at_their_coordinates_sized_by_households(model):
    ax = _draw(model, MARKED)
    dots = _points(ax)[0]
    xy = dots.get_offsets()
    assert np.allclose(xy[:, 0], model.state.x) and np.allclose(xy[:, 1], model.state.y)
    sizes = dots.get_sizes()
    largest = np.argmax(model.state.households)
    assert sizes[largest] == pytest.approx(12.0 + 70.0) and sizes.min() >= 12.0
    assert np.allclose(dots.get_array(), model.state.consumption)
    assert ax.get_aspect() == 1.0


def test_every_partnership_is_drawn_from_its_hub_in_its_form_colour(model):
    ax = _draw(model, MARKED)
    # one line per form: hub -> member segments separated by NaNs (3 points each)
    drawn = sum(len(line.get_xdata()) // 3 for line in ax.lines if len(line.get_xdata()))
    expected = sum(len(p.members) - 1 for p in model.partnerships.values())
    assert expected > 0 and drawn == expected
    colours = form_colours(model.form_names)
    assert {k: colours[k] for k in FORM_COLOURS} == FORM_COLOURS  # the standard forms keep their colours
    assert colours["bum_desa_bersama"] not in FORM_COLOURS.values()  # another form gets its own
    used = {line.get_color() for line in ax.lines if len(line.get_xdata())}
    assert used <= set(colours.values())


def test_markers_and_legend_follow_the_look(model):
    marked = _draw(model, MARKED)
    plain = _draw(model, plots.CLI_MAP)
    served = int(np.sum(model.state.served_until > model.steps))
    _, _, _, hosts = model.partnership_ties()
    expected = 1 + bool(served) + bool(hosts.size)
    assert len(_points(marked)) == expected and len(_points(plain)) == 1
    if served:
        assert any(len(c.get_offsets()) == served for c in _points(marked)[1:])
    marked_labels = [t.get_text() for t in marked.get_legend().get_texts()]
    plain_labels = [t.get_text() for t in plain.get_legend().get_texts()]
    assert marked_labels == ["village (dot area: households)"] + [n.replace("_", " ") for n in model.form_names] + [
        "hosts shared services",
        "served by infrastructure",
    ]
    assert plain_labels == [n.replace("_", "-") for n in model.form_names]
    assert plain.get_legend().get_title().get_text() == "partnership ties"


def test_national_scale_draws_small_dots_as_an_image(model, monkeypatch):
    monkeypatch.setattr(village_map, "NATIONAL_SCALE", 100)
    ax = _draw(model, plots.CLI_MAP)
    dots = _points(ax)[0]
    assert np.all(dots.get_sizes() == 2.0) and dots.get_rasterized()
    assert all(line.get_rasterized() and line.get_linewidth() == 0.3 for line in ax.lines if len(line.get_xdata()))


def test_the_run_figure_writes_the_map(model, tmp_path):
    path = tmp_path / "map.png"
    plots.save_png(plots.map_figure(model, "indonesia"), path)
    assert path.stat().st_size > 20_000


def test_a_map_moved_to_a_later_year_is_the_map_drawn_then():
    """What the explorer does each Step (update_village_map) gives the artists a fresh drawing gives."""
    m = VillageModel("default", rng=3, n_villages=120)
    moved = village_map.village_map(Figure().add_subplot(), m, CONSUMPTION, MARKED)
    for _ in range(7):
        m.step()
        assert not village_map.update_village_map(moved, m, CONSUMPTION, MARKED)  # fixed colour range
    fresh = village_map.village_map(Figure().add_subplot(), m, CONSUMPTION, MARKED)
    assert set(moved.ties) == set(fresh.ties) == {f.name for f in m.form_list}
    for name, line in moved.ties.items():
        assert np.array_equal(line.get_xydata(), fresh.ties[name].get_xydata(), equal_nan=True), name
    for kind in ("villages", "served", "hosts"):
        a, b = getattr(moved, kind), getattr(fresh, kind)
        assert np.array_equal(a.get_offsets(), b.get_offsets()), kind
        assert np.array_equal(a.get_sizes(), b.get_sizes()), kind
    assert np.array_equal(moved.villages.get_array(), fresh.villages.get_array())
    assert len(moved.hosts.get_offsets()) + len(moved.served.get_offsets()) > 0  # markers were moved too


def test_a_colour_range_without_limits_widens_as_values_leave_it():
    m = VillageModel("default", rng=3, n_villages=60)
    savings = village_map.Colouring("savings", lambda model: model.state.wealth, "viridis", 0.0, None)
    drawn = village_map.village_map(Figure().add_subplot(), m, savings, MARKED)
    m.state.wealth[:] = m.state.wealth.max() + 5.0
    assert village_map.update_village_map(drawn, m, savings, MARKED)
    assert drawn.villages.get_clim() == (0.0, pytest.approx(m.state.wealth.max()))
