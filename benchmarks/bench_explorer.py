"""How long the explorer takes to show one Step, in a real browser.

It starts ``kerjasama explore SCENARIO`` (``python -m sim explore``) on a free loopback port,
opens the page in Debian's headless Chromium through Playwright (the flags of
``tests/test_app.py``), waits until the page is drawn, then clicks Mesa's **Step** button
``--steps`` times (after ``--warmup`` untimed clicks) and prints each click's time, the
median and the range.

One Step's time is measured inside the page, with the page's clock (``performance.now()``),
from the click on Step to the moment the page has finished updating, which is when both:

* Mesa's step counter in the sidebar reads the next year (``Time: N.0`` becomes ``N+1.0``), and
* every figure on the page (each ``<img>``: the map and the live plots) has been replaced
  (its ``src``, a blob URL that Solara renews whenever a figure is redrawn, differs from the
  one before the click) and the new image has loaded (``complete`` with a non-zero width).

The page is polled every 5 ms, so a time is exact to about that. The default scenario has
200 villages; ``--scenario`` takes any scenario ``kerjasama explore`` takes. The server is
stopped (by its process group) at the end. Timings depend on the machine and its load: the
unit tests never assert them.

    .venv/bin/python benchmarks/bench_explorer.py                 # default scenario, 10 Steps
    .venv/bin/python benchmarks/bench_explorer.py --steps 20 --scenario sweden_shared_services
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.test_app import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402  (one list of the browser's flags: the browser test's)

# In the page: click Step, then poll until the counter reads `expected` and every image has
# been replaced and loaded; returns the milliseconds from the click, or null on timeout.
TIMED_STEP = """async ([expected, timeoutMs]) => {
    const counter = () => {
        const hit = document.evaluate("//*[starts-with(normalize-space(text()), 'Time:')]", document, null,
            XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
        return hit ? parseFloat(hit.textContent.split(':')[1]) : NaN;
    };
    const images = () => Array.from(document.querySelectorAll('img'));
    const before = new Set(images().map(i => i.src));
    const count = before.size;
    const step = Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim() === 'Step');
    const t0 = performance.now();
    step.click();
    while (performance.now() - t0 < timeoutMs) {
        await new Promise(r => setTimeout(r, 5));
        const now = images();
        const replaced = now.length >= count && now.every(i => !before.has(i.src) && i.complete && i.naturalWidth > 0);
        if (counter() === expected && replaced) { return performance.now() - t0; }
    }
    return null;
}"""

# The page is drawn: the Step button, the counter, and at least one loaded image.
PAGE_READY = """() => {
    const imgs = Array.from(document.querySelectorAll('img'));
    const step = Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim() === 'Step');
    return !!step && !step.disabled && imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0)
        && document.body.innerText.includes('Time: 0.0');
}"""


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(scenario: str, port: int, log_path: Path) -> subprocess.Popen:
    """``python -m sim explore SCENARIO --port PORT`` in its own process group, answering
    HTTP (waits up to 180 s)."""
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "explore", scenario, "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the explorer exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise SystemExit(f"the explorer did not answer in 180 s:\n{log_path.read_text()}")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server's process group: SIGTERM, then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            continue


def measure(url: str, steps: int, warmup: int, timeout_s: float) -> tuple[list[float], str, int]:
    """Seconds per Step for ``steps`` timed clicks (after ``warmup`` untimed ones), the page's
    status line and the number of figures on the page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            page.goto(url, timeout=timeout_s * 1000)
            page.wait_for_function(PAGE_READY, timeout=timeout_s * 1000, polling=100)
            time.sleep(1.0)  # let the first render settle
            status = page.locator(".kerjasama-status").inner_text()
            figures = page.locator("img").count()
            times = []
            for click in range(warmup + steps):
                ms = page.evaluate(TIMED_STEP, [float(click + 1), timeout_s * 1000])
                if ms is None:
                    raise SystemExit(f"Step {click + 1} did not finish updating the page in {timeout_s} s")
                if click >= warmup:
                    times.append(ms / 1000)
                time.sleep(0.3)  # the page is idle before the next click
        finally:
            browser.close()
    return times, status, figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="default", help="scenario (default: default, 200 villages)")
    parser.add_argument("--steps", type=int, default=10, help="timed Step clicks (default 10)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed Step clicks first (default 1)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the page or a Step")
    args = parser.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        proc = start_server(args.scenario, free_port(), log)
        try:
            url = f"http://127.0.0.1:{proc.args[proc.args.index('--port') + 1]}/"
            times, status, figures = measure(url, args.steps, args.warmup, args.timeout)
        finally:
            stop_server(proc)

    print(status)
    print(f"{figures} figures on the page; {args.warmup} untimed Step(s), then {len(times)} timed:")
    print("  " + " ".join(f"{t:.3f}" for t in times))
    print(
        f"Step, click to page updated (s): median {statistics.median(times):.3f}, "
        f"range {min(times):.3f}-{max(times):.3f} (n={len(times)})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
