"""The benchmark scripts run and write what they promise, and the national scenario loads.

Smoke tests only: tiny sizes, and no assertion about speed (timings depend on the machine)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sim import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"


def _run(script: str, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(BENCH / script), *args]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_bench_model_prints_and_saves_its_rows(tmp_path):
    saved = tmp_path / "bench.json"
    args = ["--quick", "--shock", "none", "--sizes", "200", "--steps", "3", "--save", str(saved)]
    small_reference = ["--boltzmann-agents", "300", "--boltzmann-steps", "2", "--boltzmann-repeats", "1"]
    out = _run("bench_model.py", *args, *small_reference).stdout
    row = next(line.split() for line in out.splitlines() if line.split()[:3] == ["200", "3", "none"])
    assert all(float(cell) > 0 for cell in row[3:]), row
    for kind in ("boltzmann", "noop", "boltzmann_datacollector"):
        assert any(line.split()[:2] == [kind, "300"] for line in out.splitlines()), kind

    data = json.loads(saved.read_text())
    assert {"cpu_model", "cpu_count", "ram_gib", "python", "mesa", "numpy", "git"} <= set(data["machine"])
    [village] = data["rows"]
    assert (village["kind"], village["n"], village["steps"], village["shock"]) == ("village", 200, 3, "none")
    for key in ("setup_s", "run_s", "us_per_unit_step", "peak_mib", "x_boltzmann"):
        assert village[key] > 0, key
    assert data["reference"]["kind"] == "boltzmann" and data["reference"]["us_per_unit_step"] > 0
    assert [c["kind"] for c in data["context"]] == ["noop", "boltzmann_datacollector"]
    assert all(c["us_per_unit_step"] > 0 and c["x_boltzmann"] > 0 for c in data["context"])
    assert data["scaling"] == []  # one size: nothing to compare


def test_bench_model_without_reference_and_scaling_line(tmp_path):
    saved = tmp_path / "bench.json"
    args = [
        "--quick",
        "--no-boltzmann",
        "--shock",
        "none",
        "--sizes",
        "60",
        "120",
        "--steps",
        "2",
        "--save",
        str(saved),
    ]
    out = _run("bench_model.py", *args).stdout
    assert "Scaling of run time" in out and "60 -> 120 villages" in out
    data = json.loads(saved.read_text())
    assert data["reference"] is None and data["context"] == []
    assert [r["n"] for r in data["rows"]] == [60, 120]
    assert all(r["x_boltzmann"] is None for r in data["rows"])
    [scale] = data["scaling"]
    assert (scale["from_n"], scale["to_n"], scale["size_ratio"]) == (60, 120, 2.0)
    assert scale["relative"] > 0


def _fake_bench_json() -> dict:
    machine = {"cpu_model": "Test CPU", "cpus_usable": 2, "python": "3.12", "mesa": "3.5.1", "git": "abc1234"}

    def row(n: int, shock: str, run_s: float) -> dict:
        steps = 50
        return {
            "kind": "village",
            "n": n,
            "steps": steps,
            "shock": shock,
            "setup_s": 0.5,
            "run_s": run_s,
            "us_per_unit_step": run_s / (n * steps) * 1e6,
            "peak_mib": 200.0 + n / 100,
            "baseline_mib": 150.0,
        }

    reference = {"kind": "boltzmann", "n": 10_000, "steps": 20, "us_per_unit_step": 0.5, "run_s": 0.1}
    rows = [row(1000, "none", 5.0), row(10_000, "none", 50.0), row(1000, "default+twin", 10.0)]
    return {"machine": machine, "reference": reference, "context": [], "rows": rows}


def test_plot_scaling_writes_png_and_markdown(tmp_path):
    source = tmp_path / "bench.json"
    source.write_text(json.dumps(_fake_bench_json()))
    png, md = tmp_path / "img" / "scaling.png", tmp_path / "table.md"
    out = _run("plot_scaling.py", str(source), "--out", str(png), "--markdown", str(md)).stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in png.parent.iterdir()) == ["scaling.png"]  # no temporary file left behind
    table = md.read_text()
    assert table in out + "\n" or table.strip() in out
    lines = [line for line in table.splitlines() if line.startswith("|")]
    assert lines[0].startswith("| villages | steps |") and "× Boltzmann" in lines[0] and "peak MiB" in lines[0]
    body = [line.strip("|").split("|") for line in lines[2:]]
    assert [cells[0].strip() for cells in body] == ["1,000", "1,000", "10,000"]
    first = [c.strip() for c in body[0]]
    assert first[:3] == ["1,000", "50", "none"]
    assert float(first[3]) == 5.5  # wall = set-up + run
    assert float(first[4]) == 100.0  # µs per village-step
    assert float(first[5]) == 200.0  # x Boltzmann (0.5 µs per agent-step)


def test_national_scenario_loads_without_building_a_model(monkeypatch):
    import sim.model

    def refuse(*args, **kwargs):
        raise AssertionError("loading a scenario must not build the model")

    monkeypatch.setattr(sim.model.VillageModel, "__init__", refuse)
    scenario = load_scenario("indonesia_national")
    land = scenario.params["landscape"]
    assert land["n_villages"] == 75_000
    assert 5 <= land["n_villages"] / land["n_districts"] <= 15  # kecamatan-like: about 10 desa each
    assert scenario.params["run"]["steps"] == 50
    assert scenario.params["economy"]["currency"] == "IDR million"  # inherited from the Indonesian scenario
    assert all(-1 <= e["district"] < land["n_districts"] for e in scenario.params["shocks"]["scheduled"])


def test_bench_cli_times_the_command_and_saves(tmp_path):
    saved = tmp_path / "cli.json"
    args = ["--sizes", "40", "--steps", "2", "--no-warmup", "--save", str(saved)]
    out = _run("bench_cli.py", *args).stdout
    row = next(line.split() for line in out.splitlines() if line.split()[:2] == ["40", "2"])
    assert float(row[2]) > 0 and float(row[4]) > 0  # wall s, peak MiB
    assert row[5] in ("pass", "FAIL") and row[6] in ("pass", "FAIL")
    data = json.loads(saved.read_text())
    [r] = data["rows"]
    assert (r["n"], r["steps"], r["scenario"]) == (40, 2, "default")
    assert r["wall_s"] > 0 and r["peak_mib"] > 0
    assert r["command"].startswith("kerjasama run default --villages 40 --steps 2")
    assert data["targets"] == {"wall_s": 30.0, "peak_mib": 2048.0}
