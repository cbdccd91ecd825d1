"""The report as a document (sim/report/document.py): Markdown and self-contained HTML."""

from __future__ import annotations

import os
import time

import matplotlib.pyplot as plt
import pytest

from sim import render
from sim.report import document
from sim.report.document import Document, save_figure, save_figures, slug


def test_markdown_escapes_emphasis_and_table_bars():
    doc = Document(title="t")
    doc.heading(2, "μ* and σ")
    doc.table(["a|b", "μ*"], [["1", "x|y"]])
    doc.bullets([])  # an empty list writes nothing
    assert doc.markdown() == "## μ\\* and σ\n\n| a\\|b | μ\\* |\n|---|---|\n| 1 | x\\|y |\n"


def test_html_is_escaped_and_embeds_figures(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    path = save_figure(fig, tmp_path / "figures" / "line.png")
    plt.close(fig)
    assert path.read_bytes().startswith(b"\x89PNG")
    assert not list(tmp_path.rglob("*.tmp"))
    doc = Document(title="A <b> test")
    doc.para("1 < 2 & 3")
    doc.figure(path, 'a "line"')
    page = doc.html()
    assert '<html lang="en">' in page and "<title>A &lt;b&gt; test</title>" in page
    assert "<p>1 &lt; 2 &amp; 3</p>" in page
    assert '<img src="data:image/png;base64,' in page and 'alt="a &quot;line&quot;"' in page
    assert '![a "line"](figures/line.png)' in doc.markdown()


def test_slug():
    assert slug("welfare.mean_consumption") == "welfare_mean_consumption"
    assert slug("Severe drought (year 5)") == "Severe_drought_year_5"
    assert slug("--") == "all"


def _figures(folder, count):
    pending = []
    for k in range(count):
        fig, ax = plt.subplots()
        ax.plot([0, 1, 2], [k, 1, 0], label=f"line {k}")
        ax.legend()
        pending.append((fig, folder / f"f{k}.png"))
    return pending


def test_figures_saved_on_several_cores_are_the_bytes_of_one_core(tmp_path, monkeypatch):
    """Forked copies render their share of the figures; the files are byte for byte those
    one process writes, every figure is closed, and no temporary file is left."""
    save_figures(_figures(tmp_path / "many", 5))
    monkeypatch.setattr(render, "_render_workers", lambda figures: 1)
    save_figures(_figures(tmp_path / "one", 5))
    for k in range(5):
        assert (tmp_path / "many" / f"f{k}.png").read_bytes() == (tmp_path / "one" / f"f{k}.png").read_bytes()
    assert not plt.get_fignums() and not list(tmp_path.rglob("*.tmp"))


@pytest.mark.skipif(render._render_workers(2) < 2, reason="figures are rendered by one process here")
@pytest.mark.parametrize("copy_fails", ["error", "hangs"])
def test_a_share_whose_copy_fails_or_hangs_is_rendered_by_the_report_itself(tmp_path, monkeypatch, copy_fails):
    parent, save = os.getpid(), document.save_figure

    def in_copy_fails(fig, path):
        if os.getpid() != parent:
            if copy_fails == "error":
                raise RuntimeError("a copy's renderer failed")
            time.sleep(60)
        return save(fig, path)

    monkeypatch.setattr(document, "save_figure", in_copy_fails)
    monkeypatch.setattr(render, "RENDER_DEADLINE_S", 1.0)
    started = time.monotonic()
    save_figures(_figures(tmp_path, 4))
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [f"f{k}.png" for k in range(4)]
    assert time.monotonic() - started < 20  # a hanging copy is killed at the deadline, not waited for
