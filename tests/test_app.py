"""The explorer's page (sim/app.py, `kerjasama explore`): scenario choice, Mesa parameters, map, CLI, a real browser.

The browser test starts `python -m sim explore` on a free loopback port, drives the page
in headless Debian Chromium through Playwright (no browser download), and checks what a
student sees: Step advances the counter and redraws the map and every plot, Play/Pause,
a changed control and Reset, another scenario. It saves a screenshot in its tmp folder;
with ``KERJASAMA_EXPLORER_SCREENSHOT=docs/img/explorer.png`` it also writes the README's
copy there. It is skipped only when playwright or /usr/bin/chromium is missing locally;
under CI (``CI`` set) a missing browser is a failure, since .ci/run installs it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_ENV = "KERJASAMA_EXPLORER_SCREENSHOT"
PAGE_TIMEOUT_MS = 120_000  # first page load imports Mesa's visualisation and builds the model
STEP_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def app():
    import sim.app  # imported here, not at collection: mesa.visualization takes seconds

    return sim.app


# --- no browser: the import path, the page's scenario, Mesa's parameters, map, command line ----------
def test_sim_and_cli_do_not_import_the_visualisation():
    code = (
        "import sys, sim, sim.cli\n"
        "heavy = [m for m in sys.modules if m.startswith(('mesa.visualization', 'solara', 'sim.app'))]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_the_page_scenario_comes_from_the_address_then_the_environment(app, monkeypatch):
    monkeypatch.delenv(app.SCENARIO_ENV, raising=False)
    assert app.start_scenario(None) == "default"
    monkeypatch.setenv(app.SCENARIO_ENV, "autarky")
    assert app.start_scenario("") == "autarky"
    assert app.start_scenario("scenario=sweden_shared_services&x=1") == "sweden_shared_services"
    links = app.scenario_links("default")
    assert "**default**" in links and "(?scenario=sweden_shared_services)" in links
    assert "classic/" not in links  # only scenarios of the village model


def test_the_address_may_name_only_shipped_scenarios_or_the_launched_one(app, monkeypatch, tmp_path):
    monkeypatch.delenv(app.SCENARIO_ENV, raising=False)
    assert app._check_scenario("sweden_shared_services") is None
    assert "No scenario" in app._check_scenario("/etc/passwd")  # a page opens no file the host did not choose
    mine = tmp_path / "mine.toml"
    mine.write_text('name = "mine"\nextends = "default"\n[landscape]\nn_villages = 30\n')
    assert "No scenario" in app._check_scenario(str(mine))
    monkeypatch.setenv(app.SCENARIO_ENV, str(mine))  # `kerjasama explore path/to/mine.toml`
    assert app._check_scenario(str(mine)) is None


def test_the_page_scenario_is_a_fixed_parameter(app):
    assert app.model_params("default")["scenario_name"] == "default"  # fixed: Reset keeps the page's scenario
    names = app.village_scenarios()
    assert {"default", "sweden_shared_services", "indonesia_kerjasama_antar_desa"} <= set(names)


def test_mesa_reset_path_rebuilds_the_model_from_the_controls(app):
    """What SolaraViz's Reset does: keyword arguments built by Mesa's own helper (which adds
    an empty Scenario object), then ``type(model)(**kwargs)``."""
    from mesa.visualization.solara_viz import _build_model_init_kwargs, _check_model_params, split_model_params

    params = app.model_params("default")
    model = app.ExplorerModel(scenario_name="default")
    _check_model_params(model, params)  # Mesa's check of model_params against the constructor
    adjustable, fixed = split_model_params(params)
    assert fixed == {"scenario_name": "default"}
    chosen = {**fixed, **{k: v.get("value") for k, v in adjustable.items()}}
    chosen.update(allow_formal=False, enforcement_temporary=0.6, seed=7)
    kwargs = _build_model_init_kwargs(model, chosen, add_scenario_when_empty=True, require_model_accepts_scenario=True)
    rebuilt = type(model)(**kwargs)
    assert rebuilt.seed == 7
    assert rebuilt.params["cooperation"]["forms"] == ["informal", "long_term", "temporary"]
    assert rebuilt.params["forms"]["temporary"]["enforcement"] == 0.6


def test_map_draws_villages_ties_and_markers(app):
    from matplotlib.collections import PathCollection

    model = app.ExplorerModel(scenario_name="default", n_villages=300)
    for _ in range(6):
        model.step()
    for variable in app.MAP_VARIABLES:
        live = app.LiveMap(model, variable)
        assert live.png()[:4] == b"\x89PNG"
    ax = live.figure.axes[0]
    assert ax.get_title().endswith("year 6")
    # ties: one line per form, hub -> member segments separated by NaNs (3 points each)
    drawn = sum(len(line.get_xdata()) // 3 for line in ax.lines if len(line.get_xdata()))
    expected = sum(len(p.members) - 1 for p in model.partnerships.values())
    assert expected > 0 and drawn == expected
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    xy = points[0].get_offsets()
    assert np.allclose(xy[:, 0], model.state.x) and np.allclose(xy[:, 1], model.state.y)  # at their coordinates
    served = int(np.sum(model.state.served_until > model.steps))
    if served:
        assert any(len(c.get_offsets()) == served for c in points[1:])


def _pixels(png: bytes) -> np.ndarray:
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_a_map_moved_year_by_year_looks_like_the_map_drawn_afresh(app):
    """Each Step draws only what changed over a kept image (LiveMap): the picture must be
    the one a full drawing of the same year gives."""
    model = app.ExplorerModel(scenario_name="default", n_villages=120)
    moved = app.LiveMap(model)
    first = moved.png()
    for _ in range(5):
        model.step()
        moved.png()
    assert moved.png() is moved.png()  # the same year is not drawn again
    assert not np.array_equal(_pixels(first), _pixels(moved.png()))
    assert np.array_equal(_pixels(moved.png()), _pixels(app.LiveMap(model).png()))


def test_plots_say_years_and_have_every_line_band_and_marker_in_the_legend(app):
    model = app.ExplorerModel(scenario_name="default", n_villages=60)
    scheduled = model.params["shocks"]["scheduled"]
    assert scheduled and model.params["run"]["step_unit"] == "year"
    panels = [*app.PANELS, app.partnerships_panel(model)]
    plots = [app.LivePlot(model, panel, scheduled) for panel in panels]
    for _ in range(4):
        model.step()
    for panel, plot in zip(panels, plots, strict=True):
        plot.png()
        ax = plot.ax
        assert ax.get_xlabel() == "year" and ax.get_xlim() == (0, model.horizon)
        _, labels, _ = app.panel_text(panel)
        legend = [t.get_text() for legend in plot.figure.legends for t in legend.get_texts()]
        expected = [*labels.values()] + (["poverty line"] if panel.hline else []) + ["scheduled drought"]
        assert legend == expected
        for column, line in plot.lines.items():  # one point per year, up to this one
            assert list(line.get_xdata()) == [0, 1, 2, 3, 4]
            assert np.allclose(line.get_ydata(), model.timeseries()[column], equal_nan=True)
            low, high = ax.get_ylim()
            assert np.nanmin(line.get_ydata()) >= low and np.nanmax(line.get_ydata()) <= high  # range widened


def test_the_shock_colouring_shows_this_year_s_shocks(app):
    model = app.ExplorerModel(scenario_name="default", n_villages=60)
    shocks = app.MAP_VARIABLES["drought or flood this year (share of output lost)"]
    assert not shocks.values(model).any()  # before the first year
    for _ in range(8):
        model.step()
        # the per-step table's mean crop-shock intensity is the mean over the villages on the map
        assert shocks.values(model).mean() == pytest.approx(model.timeseries()["shock_intensity"].iloc[-1])
    assert model.timeseries()["shock_intensity"].max() > 0


def test_plot_labels_and_units_come_from_the_output_registry(app):
    from sim import outputs

    for panel in app.PANELS:
        title, labels, ylabel = app.panel_text(panel)
        assert title and set(labels) == set(panel.columns)
        for column in panel.columns:
            measure = outputs.measure_info(column)
            assert measure is not None, column
            assert labels[column].startswith(measure.label) and measure.unit in ylabel, column
    assert app.panel_text(app.PANELS[0])[1]["poverty_rate"] == "poverty rate [share of households]"


def test_explore_command_binds_loopback_and_refuses_bad_input():
    from sim.cli import build_parser

    args = build_parser().parse_args(["explore"])
    assert (args.scenario, args.host, args.port) == ("default", "127.0.0.1", 8765)
    out = subprocess.run(
        [sys.executable, "-m", "sim", "explore", "no_such_scenario"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and "no_such_scenario" in out.stderr


def test_the_page_in_indonesian(app, monkeypatch):
    """`kerjasama explore --lang id`: the controls, map, plots, status and explanations in
    Bahasa Indonesia (no browser: the page's texts), English left as it was."""
    pytest.importorskip("babel")
    from sim.i18n import language

    monkeypatch.setenv(app.LANG_ENV, "id")
    lang = app.page_language()
    assert lang.code == "id" and lang.gettext(app.ABOUT).startswith("**Apa yang saya lihat?**")
    params = app.model_params("indonesia_kerjasama_antar_desa")
    labels = {
        name: p.label if hasattr(p, "label") else p.get("label")
        for name, p in params.items()
        if name != "scenario_name"
    }
    assert labels["seed"] == "Benih acak" and labels["allow_formal"] == "Izinkan formal"
    assert labels["setup_cost_formal"] == "formal: biaya pembentukan" and labels["rule"] == "Aturan perilaku"
    controls = app.page_controls("indonesia_kerjasama_antar_desa", lang)
    assert next(c for c in controls if c.name == "setup_cost_formal").unit == "juta rupiah per desa anggota"
    model = app.ExplorerModel(scenario_name="default", n_villages=40)
    model.step()
    assert "desa" in app.status_line(model) and "tahun 1" in app.status_line(model)
    table = app.page_controls_table(model, app.page_controls("default", lang), lang)
    assert table.startswith("| pengaturan | mengatur | arti |") and "| ya |" in table
    assert app.LiveMap(model).figure.axes[0].get_title() == "default: desa dan kerja sama, tahun 1"
    title, labels, ylabel = app.panel_text(app.PANELS[0])
    assert title == "Kesejahteraan" and labels["poverty_rate"] == "angka kemiskinan [proporsi rumah tangga]"
    plot = app.LivePlot(model, app.PANELS[0], model.params["shocks"]["scheduled"])
    legend = [t.get_text() for legend in plot.figure.legends for t in legend.get_texts()]
    assert "garis kemiskinan" in legend and "kekeringan terjadwal" in legend and plot.ax.get_xlabel() == "tahun"
    monkeypatch.setenv(app.LANG_ENV, "en")
    assert app.panel_text(app.PANELS[0], language("en"))[0] == "Welfare"


def test_explore_without_the_extra_says_how_to_install_it():
    code = "import sys; sys.modules['solara'] = None; from sim.cli import main; raise SystemExit(main(['explore']))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'kerjasama[explore]'" in lines[0]


# --- a real browser ----------------------------------------------------------------------------
def _require_browser() -> None:
    """Skip when playwright or Debian's chromium is missing here; under CI, fail instead."""
    missing = None
    if importlib.util.find_spec("playwright") is None:
        missing = "playwright is not installed (pip install -e '.[test]')"
    elif not os.path.exists(CHROMIUM):
        missing = f"Debian chromium is missing at {CHROMIUM} (apt-get install chromium; .ci/run does this)"
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI must run the browser test: {missing}")
    if missing:
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server's process group (it was started in its own session)."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def explorer_server(tmp_path):
    """`python -m sim explore default` on a free loopback port; yields its URL."""
    _require_browser()
    port = _free_port()
    log = open(tmp_path / "server.log", "w")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "explore", "default", "--port", str(port)],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # its own process group, stopped as a whole below
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the explorer exited with {proc.returncode}:\n{(tmp_path / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the explorer did not answer in 120 s:\n{(tmp_path / 'server.log').read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        _stop(proc)
        log.close()


# Each image's bytes, summarised in the page (blob URLs are replaced whenever a figure is redrawn).
IMAGE_DIGESTS = """async els => Promise.all(els.map(async e => {
    try {
        const b = new Uint8Array(await (await fetch(e.src)).arrayBuffer());
        let h = 0;
        for (let i = 0; i < b.length; i++) { h = (h * 31 + b[i]) | 0; }
        return b.length + ":" + h;
    } catch (err) { return null; }
}))"""


def _digests(page, at_least: int = 6, timeout_s: float = 60) -> list:
    """Digests of the page's images (the map and the five plots), once they are all drawn."""
    deadline = time.monotonic() + timeout_s
    while True:
        digests = page.locator("img").evaluate_all(IMAGE_DIGESTS)
        if len(digests) >= at_least and all(d is not None for d in digests):
            return digests
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {at_least} drawn figures on the page, found {digests}")
        time.sleep(0.2)


def _wait_all_changed(page, before: list, timeout_s: float = 60) -> list:
    deadline = time.monotonic() + timeout_s
    while True:
        after = _digests(page)
        if len(after) == len(before) and all(a != b for a, b in zip(after, before, strict=True)):
            return after
        if time.monotonic() > deadline:
            raise AssertionError(f"not every figure was redrawn after a step: {before} -> {after}")
        time.sleep(0.3)


def _time(page) -> float:
    """Mesa's step counter in the sidebar ("Time: 3.0")."""
    return float(page.get_by_text("Time:").inner_text().split(":")[1])


def _wait_for_time(page, condition, timeout_s: float = 60) -> float:
    deadline = time.monotonic() + timeout_s
    while not condition(now := _time(page)):
        if time.monotonic() > deadline:
            raise AssertionError(f"the step counter stayed at {now}")
        time.sleep(0.1)
    return now


def _wait_until_stopped(page, quiet_s: float = 3.0, timeout_s: float = 60) -> float:
    """The step counter once it has not moved for ``quiet_s`` seconds."""
    deadline = time.monotonic() + timeout_s
    last, since = _time(page), time.monotonic()
    while time.monotonic() - since < quiet_s:
        if time.monotonic() > deadline:
            raise AssertionError(f"the step counter kept moving after Pause (at {last})")
        time.sleep(0.2)
        now = _time(page)
        if now != last:
            last, since = now, time.monotonic()
    return last


def test_explorer_in_a_real_browser(explorer_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from sim.scenario import load_scenario

    default, sweden = (load_scenario(n).params for n in ("default", "sweden_shared_services"))
    started = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            outside = []  # requests leaving this machine (there must be none: offline)
            page.on(
                "request",
                lambda r: (
                    outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "blob:", "data:")) else None
                ),
            )
            page.goto(explorer_server, timeout=PAGE_TIMEOUT_MS)
            step = page.get_by_role("button", name="Step")
            step.wait_for(timeout=PAGE_TIMEOUT_MS)
            status = page.locator(".kerjasama-status")
            expect(page.get_by_text("Time: 0.0")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
            horizon = default["run"]["steps"]
            expect(status).to_contain_text(
                f"Scenario default · seed 42 · {default['landscape']['n_villages']} villages · year 0 of {horizon}"
            )
            expect(page.get_by_text("What am I looking at?")).to_be_visible()
            before = _digests(page)  # the map and five plots, once drawn

            # every slider shows its value without being touched (Mesa's two and the scenario's)
            sliders = page.locator(".v-slider")
            values = page.locator(".v-slider__thumb-label")
            assert sliders.count() >= 10 and values.count() == sliders.count()
            for i in range(values.count()):
                expect(values.nth(i)).to_be_visible()
            assert str(default["landscape"]["n_villages"]) in values.all_inner_texts()

            # Step: the counter advances, the map and every plot are redrawn
            step.click()
            expect(page.get_by_text("Time: 1.0")).to_be_visible(timeout=STEP_TIMEOUT_MS)
            expect(status).to_contain_text(f"year 1 of {horizon}")
            after = _wait_all_changed(page, before)

            # Play, then Pause: the counter runs, then stops
            page.get_by_role("button", name="▶").click()
            pause = page.get_by_role("button", name="❚❚")
            pause.wait_for(timeout=STEP_TIMEOUT_MS)
            _wait_for_time(page, lambda t: t >= 3)
            pause.click()
            expect(step).to_be_enabled(timeout=STEP_TIMEOUT_MS)
            paused_at = _wait_until_stopped(page)  # a step under way when Pause was pressed may still finish
            time.sleep(2.0)
            assert _time(page) == paused_at >= 3
            _wait_all_changed(page, after)
            page.screenshot(path=str(tmp_path / "explorer-playing.png"))
            copy = os.environ.get(SCREENSHOT_ENV)
            if copy:  # the README's screenshot: the default scenario a few years in
                Path(copy).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(tmp_path / "explorer-playing.png", copy)

            # Change a control (forbid formal agreements) and Reset: a new run without them
            page.get_by_text("Allow formal", exact=True).click()
            page.get_by_role("button", name="Reset").click()
            expect(page.get_by_text("Time: 0.0")).to_be_visible(timeout=STEP_TIMEOUT_MS)
            expect(status).to_contain_text("forms allowed: informal, long term, temporary", timeout=STEP_TIMEOUT_MS)
            expect(status).to_contain_text("1 control(s) changed")
            step.click()
            expect(page.get_by_text("Time: 1.0")).to_be_visible(timeout=STEP_TIMEOUT_MS)
            page.screenshot(path=str(tmp_path / "explorer.png"), full_page=True)

            # Another scenario: its link opens its own page, whose controls show its values
            page.get_by_role("link", name="sweden_shared_services").click()
            expect(status).to_contain_text(
                f"Scenario sweden_shared_services · seed 42 · {sweden['landscape']['n_villages']} villages · year 0",
                timeout=STEP_TIMEOUT_MS,
            )
            # the controls now show Sweden's own values (its forms), not the previous ones
            for form in ("formal", "long_term"):
                box = expect(page.get_by_label(f"Allow {form.replace('_', ' ')}", exact=True))
                box.to_be_checked() if form in sweden["cooperation"]["forms"] else box.not_to_be_checked()
            expect(page.get_by_text("Time: 0.0")).to_be_visible(timeout=STEP_TIMEOUT_MS)
            step = page.get_by_role("button", name="Step")
            step.click()
            expect(page.get_by_text("Time: 1.0")).to_be_visible(timeout=STEP_TIMEOUT_MS)
            assert outside == [], f"the page fetched from outside this machine: {outside[:5]}"
        finally:
            browser.close()
    assert (tmp_path / "explorer.png").stat().st_size > 20_000
    print(f"browser session: {time.monotonic() - started:.1f} s")
