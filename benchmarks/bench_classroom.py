"""A classroom on one server: 30 students move sliders and click the maps at the same time.

Run: ``.venv/bin/python benchmarks/bench_classroom.py`` (about 3 minutes; ``--help`` for the knobs).
Starts its own ``streamlit run app.py`` on 127.0.0.1, prints a table, stops the server (also on error).
With ``--train NAME`` every student also trains a network at once when the class begins (see 4.).

Each student is a ``streamlit_client.StreamlitSession``: the browser's side of the websocket
protocol without a browser, so the two cores measure the server, not 30 Chromiums drawing Plotly.

1. idle: the server is up, nobody connected;
2. one student opens ``/`` (cold: the default race is computed); the server's worker processes
   (``workers.POOL``) spawn a few seconds after its start and are awaited → RSS with one session; then
   that student alone makes ``--solo`` changes (as in 4., without thinking): the unloaded latency;
3. the others open it, staggered over ``--join-seconds`` → RSS with all sessions, and
   (RSS all − RSS one) / (sessions − 1) = MB per extra session;
4. the class, for ``--seconds``: every student thinks (``--think``, uniform), then on the Surface
   Explorer moves a learning rate or the steps by a few notches, moves the start point, clicks the
   race map, picks another surface, or opens the Hessian Inspector; there it clicks the map, types
   a point, or goes back. It waits for the rerun to finish before thinking again. With ``--train``,
   each student also asks for a training (``benchmarks/classroom_training.py``) at the start, all at
   once, through the server's ``POST /bench/train`` route (``benchmarks/classroom_server.py``, which
   serves app.py with that one route more): its request waits for the pool as a page would.

A rerun is done when its ``script_finished`` arrives; its latency is request → ``script_finished``
(the whole page). Errors: exceptions and ``st.error`` boxes in the deltas, timeouts (``--timeout``),
disconnects, and changes the server did not apply: a new widget value after which the page drew
exactly what it drew before, a click whose point did not land in the start point or θ′ (per the URL
the server sets).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import (  # noqa: E402
    PeakSampler, cache_megabytes, commit, cpu_seconds, latency_line, percentile, pool_workers, pss_mb, rss_mb, started_workers,
)
from streamlit_client import ErrorTally, RunReport, StreamlitSession  # noqa: E402

from benchmarks.classroom_training import TRAININGS  # noqa: E402

from tests.browser.server import StreamlitServer  # noqa: E402

TARGET_P95 = 1.0
TARGET_MB_PER_SESSION = 30.0
INSPECTOR = "inspector"
# The widgets the students use, by page; a run that failed half-way may not have drawn them all.
NEEDED = {"": ("surface_menu", "steps", "x0", "y0", "lr0", "lr1", "race_click"), INSPECTOR: ("px", "py", "inspector_click")}


class Student:
    """One student's session and what they do next."""

    def __init__(self, session: StreamlitSession, rng: random.Random) -> None:
        self.session, self.rng, self.page = session, rng, ""

    async def act(self, errors: ErrorTally) -> tuple[str, RunReport]:
        """One change and its rerun; problems go into ``errors``."""
        missing = [key for key in NEEDED[self.page] if key not in self.session.widgets]
        name, values, click = ("reload the page", {}, None) if missing else self._next()
        if missing:  # the last run broke off (its error is counted): open the page again
            report = await self.session.switch_page(self.page)
        elif name == "open the inspector":
            self.page = INSPECTOR
            report = await self.session.switch_page(INSPECTOR)
        elif name == "back to the explorer":
            self.page = ""
            report = await self.session.switch_page("")
        else:
            changed = any(self.session.value(key) != value for key, value in values.items())
            report = await self.session.rerun(values, click=click)
            if report.ok and changed and report.same_page:  # (a failed run is counted as such below)
                errors.note("not applied", f"{name}: {values} left the page as it was")
            if report.ok and click is not None:
                for problem in self._missed(*click):
                    errors.note("not applied", problem)
        errors.add(report)
        return name, report

    def _next(self) -> tuple[str, dict, tuple | None]:
        """(action, widget values by key, click ``(component key, payload)`` or ``None``)."""
        widgets, roll = self.session.widgets, self.rng.random()
        if self.page == INSPECTOR:
            if roll < 0.45:
                return "click the inspector map", {}, ("inspector_click", self._point("px", "py"))
            if roll < 0.70:
                point = self._point("px", "py")
                return "type θ′", {"px": round(point["x"], 2), "py": round(point["y"], 2)}, None
            return "back to the explorer", {}, None
        if roll < 0.25:
            return "learning rate 1", self._notches("lr0", 3), None
        if roll < 0.35:
            return "learning rate 2", self._notches("lr1", 3), None
        if roll < 0.50:
            return "steps", self._notches("steps", 5), None
        if roll < 0.62:
            return "start point", {**self._notches("x0", 10), **self._notches("y0", 10)}, None
        if roll < 0.74:
            return "click the race map", {}, ("race_click", self._point("x0", "y0"))
        if roll < 0.86:
            current = self.session.value("surface_menu")
            return "surface", {"surface_menu": self.rng.choice([option for option in widgets["surface_menu"].options
                                                                if option != current])}, None
        return "open the inspector", {}, None

    def _notches(self, key: str, most: int) -> dict[str, object]:
        """``key``'s slider moved by 1..``most`` notches, left or right, kept inside its range."""
        widget, offset = self.session.widgets[key], self.rng.choice((-1, 1)) * self.rng.randint(1, most)
        if widget.options:  # a select slider: move along its options
            index = widget.options.index(self.session.value(key)) + offset
            return {key: widget.options[min(max(index, 0), len(widget.options) - 1)]}
        proto = widget.proto
        return {key: round(min(max(self.session.value(key) + offset * proto.step, proto.min), proto.max), 10)}

    def _point(self, x_key: str, y_key: str) -> dict:
        """A click payload of the map component at a random point of the domain of widgets x_key, y_key."""
        x, y = (self.session.widgets[key].proto for key in (x_key, y_key))
        return {"x": round(self.rng.uniform(x.min, x.max), 4), "y": round(self.rng.uniform(y.min, y.max), 4),
                "z": None, "source": "plane"}

    def _missed(self, component: str, point: dict) -> list[str]:
        """Whether the clicked point landed in the start point (race map) or θ′ (inspector map), per the
        URL: within a slider notch, or 5 % of the domain for θ′ (it snaps to nearby critical points)."""
        keys = ("x0", "y0") if component == "race_click" else ("px", "py")
        params, missed = self.session.url_params(), []
        for key, clicked in zip(keys, (point["x"], point["y"])):
            widget = self.session.widgets.get(key)
            if widget is None:
                return [f"{component}: the page has no {key} any more"]
            proto = widget.proto
            shown = float(params.get(proto.query_param_key or key, widget.default))
            tolerance = proto.step if component == "race_click" else 0.05 * (proto.max - proto.min)
            if abs(shown - min(max(clicked, proto.min), proto.max)) > tolerance + 1e-9:
                missed.append(f"{component} at {key}={clicked}: the URL says {shown}")
        return missed


class Classroom:
    """Everything measured, filled in as the phases run."""

    def __init__(self) -> None:
        self.rss: dict[str, float] = {}
        self.pss: dict[str, float] = {}  # shared pages counted once (see measure.pss_mb)
        self.cold_start = float("nan")
        self.loads: list[float] = []
        self.solo: list[float] = []
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors = ErrorTally()
        self.megabytes = self.seconds = self.cpu_seconds = self.peak_mb = 0.0
        self.caches: dict[str, float] = {}
        self.workers: list[int] = []
        self.workers_mb = self.workers_after_mb = 0.0
        self.trainings: list[float] = []
        self.training_reports: list[int] = []

    async def open_page(self, url: str, timeout: float) -> StreamlitSession | None:
        try:
            session = await StreamlitSession.open(url, timeout=timeout)
        except OSError as error:
            self.errors.note("disconnected", f"could not connect: {error}")
            return None
        report = await session.load()
        self.errors.add(report)
        if report.outcome == "finished":
            self.loads.append(report.seconds)
        return session

    async def attend(self, student: Student, args, deadline: float) -> None:
        """Think, act, wait for the page; until the deadline."""
        while True:
            await asyncio.sleep(student.rng.uniform(*args.think))
            if time.monotonic() > deadline or student.session.disconnected:
                return
            name, report = await student.act(self.errors)
            self.megabytes += report.bytes_received / 1e6
            if report.outcome == "finished":
                self.latencies[name].append(report.seconds)

    async def wait_for_workers(self, pid: int) -> None:
        """The server's pool spawns its workers a few seconds after the server starts (workers.POOL):
        wait for them and for their imports, so that the one-session numbers include them."""
        self.workers = await started_workers(pid)
        self.workers_mb = sum(rss_mb(worker) for worker in self.workers)

    async def train(self, server: StreamlitServer, args, owner: int) -> None:
        """One student's training in the server's pool, waited for as a page would."""
        url = f"{server.url}/bench/train?name={args.train}&owner={owner}"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 only
        request = urllib.request.Request(url, method="POST")
        began = time.monotonic()
        try:
            with await asyncio.to_thread(opener.open, request, timeout=args.train_timeout) as response:
                answer = json.loads(response.read())
        except (OSError, ValueError) as error:
            self.errors.note("training", f"training {owner}: {error}")
            return
        self.trainings.append(time.monotonic() - began)
        self.training_reports.append(answer["reports"])

    async def run(self, server: StreamlitServer, args) -> None:
        pid = server.process.pid
        await asyncio.sleep(2)
        self.rss["idle"] = rss_mb(pid)
        first = await self.open_page(server.url, args.timeout)
        if first is None:
            raise RuntimeError(f"the first session could not connect; see {server.log.name}")
        self.cold_start = self.loads.pop() if self.loads else float("nan")
        await self.wait_for_workers(pid)
        self.rss["one"] = rss_mb(pid)
        self.pss["one"] = pss_mb(pid)
        alone = Student(first, random.Random(args.seed))
        for _ in range(args.solo):
            _, report = await alone.act(self.errors)
            if report.outcome == "finished":
                self.solo.append(report.seconds)

        async def join(index: int) -> StreamlitSession | None:
            await asyncio.sleep(index * args.join_seconds / max(args.sessions - 1, 1))
            return await self.open_page(server.url, args.timeout)

        others = await asyncio.gather(*(join(index) for index in range(1, args.sessions)))
        sessions = [first, *[session for session in others if session is not None]]
        try:
            await asyncio.sleep(2)
            self.rss["all"] = rss_mb(pid)
            print(f"{len(sessions)} sessions open; the class runs for {args.seconds:g} s", flush=True)
            cpu_before, began = cpu_seconds(pid), time.monotonic()
            with PeakSampler(pid) as sampler:
                students = [Student(session, random.Random(args.seed * 1000 + index))
                            for index, session in enumerate(sessions)]
                trainings = [self.train(server, args, index) for index in range(len(sessions))] if args.train else []
                await asyncio.gather(*(self.attend(student, args, began + args.seconds) for student in students),
                                     *trainings)
            self.seconds = time.monotonic() - began
            self.cpu_seconds = cpu_seconds(pid) - cpu_before
            self.peak_mb = sampler.peak
            self.rss["after the class"] = rss_mb(pid)
            self.pss["after the class"] = pss_mb(pid)
            self.workers_after_mb = sum(rss_mb(worker) for worker in pool_workers(pid))
            self.caches = cache_megabytes(server.url)
        finally:
            await asyncio.gather(*(session.close() for session in sessions), return_exceptions=True)
        await asyncio.sleep(3)
        self.rss["after everyone left"] = rss_mb(pid)

    def report(self, args) -> None:
        everyone = [value for values in self.latencies.values() for value in values]
        reruns, seconds, rss = len(everyone), max(self.seconds, 1e-9), self.rss
        p95_ok = bool(everyone) and percentile(everyone, 0.95) <= TARGET_P95
        per_session = (rss["all"] - rss["one"]) / max(args.sessions - 1, 1)
        after_class = (rss["after the class"] - rss["one"]) / max(args.sessions - 1, 1)
        verdict = lambda ok: "OK" if ok else "FAIL"  # noqa: E731
        width = 34
        print()
        print(f"Classroom: {args.sessions} websocket sessions on one server, {self.seconds:.0f} s of class, think "
              f"{args.think[0]:g}-{args.think[1]:g} s, commit {commit()}, {len(os.sched_getaffinity(0))} cores")
        print(f"{'errors':{width}s} {self.errors.total}   -> {verdict(self.errors.total == 0)} (target 0)   "
              f"[{self.errors.line()}]")
        for message, count in self.errors.messages.most_common(6):
            print(f"{'':{width}s}   {count} × {message}")
        print(f"{'reruns (class)':{width}s} {reruns}   ({reruns / seconds:.2f}/s, server CPU "
              f"{100 * self.cpu_seconds / seconds:.0f} % of one core, {1e3 * self.cpu_seconds / max(reruns, 1):.0f} "
              f"ms per rerun, {self.megabytes / seconds:.1f} MB/s sent)")
        print(f"{'rerun latency':{width}s} {latency_line(everyone)}   -> {verdict(p95_ok)} "
              f"(target p95 ≤ {1e3 * TARGET_P95:.0f} ms)")
        for name, values in sorted(self.latencies.items(), key=lambda item: -len(item[1])):
            print(f"{'   ' + name:{width}s} {latency_line(values)}")
        if args.train:
            print(f"{f'trainings ({args.train}), all at once':{width}s} {latency_line(self.trainings)}   "
                  f"(progress reports per training: min {min(self.training_reports, default=0)})")
        print(f"{'rerun latency, 1 session alone':{width}s} {latency_line(self.solo)}")
        print(f"{'first page, cold (1st session)':{width}s} {1e3 * self.cold_start:6.0f} ms")
        print(f"{'first page while the class joins':{width}s} {latency_line(self.loads)}")
        print(f"{'server RSS idle':{width}s} {rss['idle']:6.0f} MB")
        print(f"{'   with 1 session':{width}s} {rss['one']:6.0f} MB   (of which the pool's "
              + (f"{len(self.workers)} workers {self.workers_mb:.0f} MB)" if self.workers else "workers: none started)"))
        print(f"{f'   with {args.sessions} sessions':{width}s} {rss['all']:6.0f} MB   -> {per_session:.1f} MB per extra "
              f"session, {verdict(per_session <= TARGET_MB_PER_SESSION)} (target ≤ {TARGET_MB_PER_SESSION:.0f})")
        print(f"{'   after the class':{width}s} {rss['after the class']:6.0f} MB   (peak {self.peak_mb:.0f} MB; "
              f"(after − one) / {args.sessions - 1} = {after_class:.1f} MB, shared caches included; "
              f"the workers {self.workers_after_mb:.0f} MB)")
        for name, size in sorted(self.caches.items(), key=lambda item: -item[1]):
            print(f"{'      cache ' + name:{width}s} {size:6.1f} MB")
        print(f"{'   after everyone left':{width}s} {rss['after everyone left']:6.0f} MB")
        print(f"{'server PSS with 1 session':{width}s} {self.pss['one']:6.0f} MB   (after the class "
              f"{self.pss['after the class']:.0f} MB; shared libraries counted once, not once per process)")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="students (default 30)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the class (default 60)")
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 8.0), metavar=("MIN", "MAX"),
                        help="seconds between a student's changes, uniform (default 2 8)")
    parser.add_argument("--solo", type=int, default=10, help="changes of the first student alone (default 10)")
    parser.add_argument("--join-seconds", type=float, default=15.0, help="the class arrives over this time")
    parser.add_argument("--timeout", type=float, default=60.0, help="a rerun slower than this is an error")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--train", choices=sorted(TRAININGS), help="every student also trains a network at once")
    parser.add_argument("--train-timeout", type=float, default=600.0, help="a training slower than this is an error")
    args = parser.parse_args()
    if args.sessions < 2:
        parser.error("--sessions must be at least 2")
    return args


def main() -> None:
    args = parse_args()
    room = Classroom()
    began = time.monotonic()
    server = StreamlitServer("benchmarks/classroom_server.py" if args.train else "app.py")
    print(f"server on {server.url} (pid {server.process.pid}, log {server.log.name})", flush=True)
    try:
        asyncio.run(room.run(server, args))
    finally:
        server.close()
    room.report(args)
    print(f"{'wall time':34s} {time.monotonic() - began:6.0f} s")


if __name__ == "__main__":
    main()
