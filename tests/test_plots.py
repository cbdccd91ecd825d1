"""Figures are written so that the same picture is the same bytes (sim/plots.py save_png)."""

from __future__ import annotations

import io
import struct

import matplotlib
import matplotlib.pyplot as plt

from sim.plots import save_png


def _png(monkeypatch, version: str) -> bytes:
    monkeypatch.setattr(matplotlib, "__version__", version)
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [1.0, 0.5, 2.0])
    out = io.BytesIO()
    try:
        save_png(fig, out)
    finally:
        plt.close(fig)
    return out.getvalue()


def _text_chunks(png: bytes) -> list[bytes]:
    chunks, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        if png[at + 4 : at + 8] in (b"tEXt", b"iTXt", b"zTXt", b"tIME"):
            chunks.append(png[at + 8 : at + 8 + length])
        at += 12 + length
    return chunks


def test_a_figure_is_the_same_bytes_whatever_matplotlib_version_draws_it(monkeypatch):
    # matplotlib's default PNG names its version; a committed figure would change with every upgrade
    first, second = _png(monkeypatch, "3.11.2"), _png(monkeypatch, "9.9.9")
    assert first == second
    assert _text_chunks(first) == []  # no version, date or software tag at all
