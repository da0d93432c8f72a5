"""Does the server's memory stay bounded when every rerun brings new values? 1,000 random reruns.

Run: ``.venv/bin/python benchmarks/bench_memory.py`` (about 15 minutes; ``--help`` for the knobs).
Starts its own ``streamlit run app.py`` on 127.0.0.1, prints a table, stops the server (also on error).

One websocket session (``streamlit_client.py``) opens ``/`` and then makes ``--reruns`` random
changes, one rerun each, mostly on the Surface Explorer: one or two random widgets at a time
(learning rates, update rules, steps, start point, schedules and their knobs, gradient noise, seeds,
the number of optimizers, the sweep, the language, projector mode), another surface with a random
knob value, or the user's own formula with new random coefficients and domain (``x**2 - y**2 +
0.1*x*y`` and the like); now and then it visits the Hessian Inspector, the network page or the
tour and changes their widgets. Nearly every rerun is a new cache key, so every ``st.cache_data``
fills up to its ``max_entries`` and then keeps evicting.

VmRSS of the server process tree (with its worker processes, ``workers.POOL``, which spawn a few
seconds after the server starts and are awaited) is read after the first page (the start) and every ``--every``
reruns, with the sizes Streamlit reports for its caches. Target: end − start ≤ +50 MB. Errors
(exceptions, ``st.error`` boxes, timeouts) are counted as in ``bench_classroom.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import (  # noqa: E402
    cache_megabytes, commit, latency_line, pool_workers, rss_mb, started_workers, thread_count,
)
from client_widgets import Widget  # noqa: E402
from streamlit_client import ErrorTally, RunReport, StreamlitSession  # noqa: E402

from tests.browser.server import StreamlitServer  # noqa: E402

TARGET_GROWTH_MB = 50.0
OTHER_PAGES = ("inspector", "network", "tour")
# Changed by their own moves (or not at all: the click mode's "inspect" would leave the page).
SPECIAL_KEYS = {"surface_menu", "formula", "xmin", "xmax", "ymin", "ymax", "click_mode_menu"}
RANDOM_KINDS = {"slider", "selectbox", "radio", "button_group", "number_input", "checkbox"}


def random_formula(rng: random.Random) -> str:
    """A valid formula with random coefficients: a new cache key every time."""
    a, b, c, d = (round(rng.uniform(0.2, 3.0), 2) for _ in range(4))
    return rng.choice((
        f"x**2 - y**2 + {c / 10:.2f}*x*y",
        f"{a}*x**2 + {b}*y**2 + {c}*sin({d}*x)",
        f"(x**2 + y - {4 * a:.2f})**2 + (x + y**2 - {2 * b:.2f})**2",
        f"{a}*(1 - x*y)**2 + {c / 10:.3f}*(x**2 + y**2)",
        f"x**4/4 - {a}*x**2 + {b}*y**2 + {c}*x*y",
        f"{a}*tanh(x)**2 + {b}*log(1 + y**2) + {c}*cos({d}*x*y)",
    ))


def random_value(widget: Widget, rng: random.Random):
    """Any valid value of the widget (``None`` when it has no bounded range)."""
    proto = widget.proto
    if widget.options:
        return rng.choice(widget.options)
    if widget.kind == "checkbox":
        return rng.random() < 0.5
    if widget.kind == "slider":
        notches = round((proto.max - proto.min) / proto.step)
        return round(proto.min + rng.randint(0, notches) * proto.step, 10)
    if widget.kind == "number_input" and proto.has_min and proto.has_max:
        return round(rng.uniform(proto.min, proto.max), 2) if proto.step < 1 else rng.randint(int(proto.min),
                                                                                               int(proto.max))
    if widget.kind == "number_input":  # an unbounded seed
        return rng.randint(0, 9999)
    return None


class RandomVisitor:
    """One session's random walk through the app's settings, one rerun per ``step``."""

    def __init__(self, session: StreamlitSession, rng: random.Random) -> None:
        self.session, self.rng = session, rng
        self.page = ""  # the default page, the explorer

    async def step(self) -> tuple[str, RunReport]:
        session, rng, roll = self.session, self.rng, self.rng.random()
        if self.page:
            if roll < 0.4:
                self.page = ""
                return "back to the explorer", await session.switch_page("")
            return f"{self.page}: widgets", await self._change_widgets(1)
        if roll < 0.04:
            self.page = rng.choice(OTHER_PAGES)
            return f"open {self.page}", await session.switch_page(self.page)
        if roll < 0.14:
            return "new surface", await self._new_surface()
        if roll < 0.26:
            return "new formula", await self._new_formula()
        return "explorer: widgets", await self._change_widgets(rng.choice((1, 1, 2)))

    async def _new_surface(self):
        options = self.session.widgets["surface_menu"].options
        return await self.session.rerun({"surface_menu": self.rng.choice(options[:-1])})

    async def _new_formula(self):
        """Your own formula (the menu's last option) with a new formula and, half the time, a new domain."""
        rng, session = self.rng, self.session
        if "formula" not in session.widgets:  # first pick it in the menu (with the default formula)
            return await session.rerun({"surface_menu": session.widgets["surface_menu"].options[-1]})
        values = {"formula": random_formula(rng)}
        if rng.random() < 0.5:
            half_width, half_height = round(rng.uniform(1, 5), 1), round(rng.uniform(1, 5), 1)
            values.update(xmin=-half_width, xmax=half_width, ymin=-half_height, ymax=half_height)
        return await session.rerun(values)

    async def _change_widgets(self, count: int):
        widgets = self.session.widgets
        candidates = [widget for key, widget in widgets.items() if widget.kind in RANDOM_KINDS
                      and key not in SPECIAL_KEYS and f"{key}_menu" not in widgets]  # not the menus' hidden state
        values = {}
        for widget in self.rng.sample(candidates, min(count, len(candidates))):
            value = random_value(widget, self.rng)
            if value is not None:
                values[widget.key] = value
        return await self.session.rerun(values)


async def measure(server: StreamlitServer, args) -> dict:
    pid = server.process.pid
    results = {"rows": [], "latencies": [], "errors": ErrorTally(), "kinds": Counter(), "caches": {}}
    await asyncio.sleep(2)
    results["idle"] = rss_mb(pid)
    began = time.monotonic()

    def sample(done: int) -> None:
        caches = cache_megabytes(server.url)
        results["caches"] = caches
        row = (done, time.monotonic() - began, rss_mb(pid), rss_mb(pid, "RssAnon"), caches, thread_count(pid),
               results["errors"].total)
        results["rows"].append(row)
        workers = pool_workers(pid)
        of_child = f" (pool workers {sum(rss_mb(worker) for worker in workers):4.0f})" if workers else ""
        print(f"  {done:5d} reruns  {row[1]:6.0f} s  VmRSS {row[2]:6.0f} MB{of_child}  RssAnon {row[3]:6.0f} MB  "
              f"caches {sum(caches.values()):5.1f} MB  {row[5]:3d} threads  {row[6]} errors", flush=True)

    async with StreamlitSession(server.url, timeout=args.timeout) as session:
        results["errors"].add(await session.load())
        await started_workers(pid)  # the server's worker processes, a few seconds after its start
        sample(0)
        visitor = RandomVisitor(session, random.Random(args.seed))
        for done in range(1, args.reruns + 1):
            name, report = await visitor.step()
            results["errors"].add(report)
            results["kinds"][name] += 1
            if report.outcome == "finished":
                results["latencies"].append(report.seconds)
            if session.disconnected:
                break
            if done % args.every == 0 or done == args.reruns:
                sample(done)
    return results


def report(args, results: dict) -> None:
    rows = results["rows"]
    start, end = rows[0], rows[-1]
    peak = max(rows, key=lambda row: row[2])
    growth = end[2] - start[2]
    half = next(row for row in rows if row[0] >= end[0] // 2)
    width = 30
    print()
    print(f"Memory under random reruns: {end[0]} reruns from one websocket session, commit {commit()}")
    print(f"{'errors':{width}s} {results['errors'].total}   [{results['errors'].line()}]")
    for message, count in results["errors"].messages.most_common(6):
        print(f"{'':{width}s}   {count} × {message}")
    print(f"{'rerun latency':{width}s} {latency_line(results['latencies'])}")
    print(f"{'what the reruns did':{width}s} " + ", ".join(f"{count} {name}" for name, count in
                                                        results["kinds"].most_common()))
    print(f"{'server RSS idle':{width}s} {results['idle']:6.0f} MB")
    for label, row in (("start (first page)", start), (f"max (after {peak[0]})", peak), (f"end (after {end[0]})", end)):
        print(f"{'   ' + label:{width}s} {row[2]:6.0f} MB   (RssAnon {row[3]:.0f} MB, caches "
              f"{sum(row[4].values()):.1f} MB)")
    verdict = "OK" if growth <= TARGET_GROWTH_MB else "FAIL"
    print(f"{'growth end − start':{width}s} {growth:+6.0f} MB   -> {verdict} (target ≤ +{TARGET_GROWTH_MB:.0f} MB)")
    print(f"{f'growth in the last {end[0] - half[0]} reruns':{width}s} {end[2] - half[2]:+6.0f} MB")
    print(f"{'caches at the end (start → end)':{width}s}")
    for name in sorted(end[4], key=lambda key: -end[4][key]):
        print(f"{'   ' + name:{width}s} {start[4].get(name, 0.0):6.1f} → {end[4][name]:6.1f} MB")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reruns", type=int, default=1000, help="random reruns (default 1000)")
    parser.add_argument("--every", type=int, default=100, help="read RSS every this many reruns (default 100)")
    parser.add_argument("--timeout", type=float, default=120.0, help="a rerun slower than this is an error")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    began = time.monotonic()
    server = StreamlitServer("app.py")
    print(f"server on {server.url} (pid {server.process.pid}, log {server.log.name})", flush=True)
    try:
        results = asyncio.run(measure(server, args))
    finally:
        server.close()
    report(args, results)
    print(f"{'wall time':30s} {time.monotonic() - began:6.0f} s")


if __name__ == "__main__":
    main()
