"""Grid and LHS reports (sim/report/grid.py)."""

from __future__ import annotations

from sim.report import write_report
from tests.test_report import check_common, make_grid, make_lhs


def test_grid_report(tmp_path):
    folder = make_grid(tmp_path / "grid")
    written = write_report(folder)
    md, _ = check_common(folder, written)
    assert {p.name for p in written if p.suffix == ".png"} == {
        "grid_welfare_mean_consumption.png",
        "grid_welfare_poverty_rate.png",
    }
    # a table of means: header with the x values, one row per y value
    assert "| behaviour.initial_trust \\ forms.formal.enforcement | 0 | 0.5 | 1 |" in md
    for b in ("0.1", "0.5", "0.9", "1.3"):
        assert any(line.startswith(f"| {b} | ") for line in md.splitlines())


def test_lhs_report(tmp_path):
    folder = make_lhs(tmp_path / "lhs")
    written = write_report(folder)
    md, _ = check_common(folder, written)
    assert {p.name for p in written if p.suffix == ".png"} == {
        "lhs_welfare_mean_consumption.png",
        "lhs_cooperation_mean_trust.png",
    }
    row = next(line for line in md.splitlines() if line.startswith("| forms.formal.enforcement | "))
    rho = float(row.split("|")[2].split("(")[0].strip().replace("\u2212", "-"))
    assert rho > 0.9  # consumption rises steadily with enforcement
