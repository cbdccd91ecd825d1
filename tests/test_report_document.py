"""The report as a document (sim/report/document.py): Markdown and self-contained HTML."""

from __future__ import annotations

import matplotlib.pyplot as plt

from sim.report.document import Document, save_figure, slug


def test_markdown_escapes_emphasis_and_table_bars():
    doc = Document(title="t")
    doc.heading(2, "μ* and σ")
    doc.table(["a|b", "μ*"], [["1", "x|y"]])
    doc.bullets([])  # an empty list writes nothing
    assert doc.markdown() == "## μ\\* and σ\n\n| a\\|b | μ\\* |\n|---|---|\n| 1 | x\\|y |\n"


def test_html_is_escaped_and_embeds_figures(tmp_path):
    written = []
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    path = save_figure(fig, tmp_path / "figures" / "line.png", written)
    assert written == [path] and path.read_bytes().startswith(b"\x89PNG")
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
