"""Print a report's brief as headless Chromium prints it: the number of A4 pages, a PDF, and a
screenshot of the printed layout (the README's and docs/img's pictures of the brief).

    .venv/bin/python benchmarks/print_brief.py results/partnership_forms/brief.html \\
        [--pdf brief.pdf] [--png docs/img/brief-en.png]

Needs playwright (the test extra) and Debian's chromium (/usr/bin/chromium). The brief's print
stylesheet (sim/report/document.py, ``@media print``) is meant to fit it on two A4 pages; this
prints how many it takes, and tests/test_brief.py checks it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_app import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402  (one list of the browser's flags)

A4_WIDTH_PX = 794  # 210 mm at 96 px per inch: the width the printed page lays out at


def print_pages(html: Path, pdf: Path | None = None, png: Path | None = None) -> int:
    """Print ``html`` to A4 with its print stylesheet; return the number of pages (and write
    the PDF and a screenshot of the print layout when asked)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[a for a in CHROMIUM_FLAGS if a != "--headless"])
        try:
            page = browser.new_page(viewport={"width": A4_WIDTH_PX, "height": 1123}, device_scale_factor=1.5)
            page.goto(Path(html).resolve().as_uri())
            data = page.pdf(format="A4", prefer_css_page_size=True, print_background=False)
            if pdf is not None:
                Path(pdf).write_bytes(data)
            if png is not None:
                page.emulate_media(media="print")
                page.screenshot(path=str(png), full_page=True)
        finally:
            browser.close()
    return pdf_pages(data)


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF that Chromium wrote: the page tree's /Count."""
    counts = [int(m) for m in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data, flags=re.S)]
    counts += [int(m) for m in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data, flags=re.S)]
    return max(counts) if counts else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("--pdf", type=Path)
    parser.add_argument("--png", type=Path)
    args = parser.parse_args()
    pages = print_pages(args.html, args.pdf, args.png)
    print(f"{args.html}: {pages} A4 page(s) when printed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
