"""The report as a document: headings, paragraphs, lists, tables and figures, rendered to
Markdown and to one self-contained HTML page (inline CSS, figures embedded as base64 data
URIs, so it opens offline and travels as a single file); figures are saved atomically."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim import render
from sim.io import write_atomically
from sim.plots import save_png
from sim.report.wording import language_code


@dataclass
class Document:
    """A small document rendered both to Markdown and to self-contained HTML."""

    title: str
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def heading(self, level: int, text: str) -> None:
        self.blocks.append(("h", (level, text)))

    def para(self, text: str) -> None:
        self.blocks.append(("p", text))

    def bullets(self, items: Sequence[str]) -> None:
        if items:
            self.blocks.append(("ul", list(items)))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.blocks.append(("table", (list(header), [list(r) for r in rows])))

    def figure(self, path: Path, caption: str) -> None:
        self.blocks.append(("fig", (path, caption)))

    def markdown(self) -> str:
        esc = lambda text: str(text).replace("*", "\\*")  # noqa: E731  (μ* is not emphasis)
        cell = lambda text: esc(text).replace("|", "\\|")  # noqa: E731
        out: list[str] = []
        for kind, value in self.blocks:
            if kind == "h":
                out.append(f"{'#' * value[0]} {esc(value[1])}")
            elif kind == "p":
                out.append(esc(value))
            elif kind == "ul":
                out.append("\n".join(f"- {esc(item)}" for item in value))
            elif kind == "table":
                header, rows = value
                lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
                lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
                out.append("\n".join(lines))
            elif kind == "fig":
                path, caption = value
                out.append(f"![{esc(caption)}](figures/{path.name})\n\n*{esc(caption)}*")
        return "\n\n".join(out) + "\n"

    def html(self) -> str:
        esc = html.escape
        body: list[str] = []
        for kind, value in self.blocks:
            if kind == "h":
                body.append(f"<h{value[0]}>{esc(value[1])}</h{value[0]}>")
            elif kind == "p":
                body.append(f"<p>{esc(value)}</p>")
            elif kind == "ul":
                body.append("<ul>\n" + "\n".join(f"<li>{esc(item)}</li>" for item in value) + "\n</ul>")
            elif kind == "table":
                header, rows = value
                head = "".join(f"<th>{esc(str(h))}</th>" for h in header)
                lines = ["<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>" for row in rows]
                body.append(
                    f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(lines) + "\n</tbody></table>"
                )
            elif kind == "fig":
                path, caption = value
                data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
                body.append(
                    f'<figure><img src="data:image/png;base64,{data}" alt="{esc(caption)}">'
                    f"<figcaption>{esc(caption)}</figcaption></figure>"
                )
        return (
            f'<!DOCTYPE html>\n<html lang="{language_code()}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(self.title)}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body)
            + "\n</body>\n</html>\n"
        )


CSS = """body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
  max-width: 1150px; margin: 2em auto; padding: 0 1.2em; line-height: 1.45; }
h1 { border-bottom: 2px solid #444; padding-bottom: .2em; }
h2 { border-bottom: 1px solid #bbb; padding-bottom: .15em; margin-top: 2em; }
h3 { margin-top: 1.6em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .3em .65em; text-align: left; vertical-align: top; }
td { font-variant-numeric: tabular-nums; }
thead th { background: #eef0f3; }
tbody tr:nth-child(even) { background: #f8f9fa; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e3e3e3; }
figcaption { font-size: .88em; color: #555; margin-top: .3em; }
li { margin: .25em 0; }
@media print {
  @page { size: A4; margin: 14mm 13mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 9pt; line-height: 1.25; }
  h1 { font-size: 15pt; margin: 0 0 .4em; break-before: page; }
  h1:first-of-type { break-before: auto; }
  h2 { font-size: 11pt; margin: .8em 0 .3em; break-after: avoid; }
  h3 { font-size: 10.5pt; break-after: avoid; }
  table { font-size: 8pt; margin: .3em 0; width: 100%; }
  tr { break-inside: avoid; }
  th, td { padding: .12em .35em; }
  td { white-space: nowrap; }
  td:first-child { white-space: normal; }
  tbody tr:nth-child(even) { background: none; }
  figure { break-inside: avoid; margin: .6em 0; }
  figure img { max-height: 72mm; width: auto; max-width: 100%; border: 0; }
  p { margin: .35em 0; orphans: 3; widows: 3; }
}
"""


def slug(text: Any) -> str:
    """A name usable in a file name ("Severe drought" -> "Severe_drought")."""
    return re.sub(r"[^A-Za-z0-9]+", "_", str(text)).strip("_") or "all"


def save_figure(fig, path: Path) -> Path:
    """Save a figure atomically (temporary name in the same folder, then rename), as every
    figure is saved (``sim.plots.save_png``: the same figure is the same bytes)."""
    write_atomically(path, lambda tmp: save_png(fig, tmp))
    return path


def save_figures(pending: Sequence[tuple[Any, Path]]) -> None:
    """Save every (figure, path) atomically, on all cores where that is safe (``sim.render``), then close them."""
    render.save_all(pending, save_figure)
