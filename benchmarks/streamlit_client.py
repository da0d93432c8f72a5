"""A headless Streamlit session: the browser's side of the websocket protocol, without a browser.

Used by the load and memory benchmarks to drive one server with many sessions on two cores, where
30 Chromium pages would measure Chromium. It speaks what the browser speaks (read from
``streamlit/proto`` and checked against frames captured from Chromium, streamlit 1.67):

* connect to ``ws://127.0.0.1:PORT/_stcore/stream`` with subprotocol ``streamlit``;
* send ``BackMsg.rerun_script`` (a ``ClientState``: query string, page hash, widget states,
  hashes of the big messages it already holds, browser context) for the first load and after
  every widget change;
* receive ``ForwardMsg``s: ``new_session`` opens a run, ``delta``s carry the elements (each widget
  with its ``id``, e.g. ``$$ID-<hash>-lr0`` for ``key="lr0"``), ``page_info_changed`` rewrites the
  URL's query string (when the script changed a bound widget), ``script_finished`` closes the run.

A rerun counts as done only when its ``script_finished`` arrives; exceptions and ``st.error``
boxes in its deltas are recorded in its ``RunReport`` (``ErrorTally`` counts them over many runs),
and so is a digest of everything the run drew: a widget change that leaves the page identical
(``RunReport.same_page``) did not take effect. The widget model and its encoding are in
``client_widgets``.

Like the browser, the client holds a value per widget id: a widget it sees for the first time (a
new id) starts at its default, a value the server pushes (``set_value``) replaces it, a value the
user sets replaces it, and a widget the last run did not draw is dropped. Every rerun sends the
values of all drawn widgets, in the browser's encoding: the option text for select boxes, radios,
select sliders and segmented controls, numbers for sliders and number inputs, text, booleans for
checkboxes (the widget kinds this app uses; others are not sent). (Sending only the
changed widgets is *not* the same: the server then falls back on values it remembers by key, which
a browser would have replaced, e.g. a start point outside a slider's new range.) The query string it
sends is the browser's URL: a widget bound to the URL writes its value there when the user changes
it (and removes it at its default), and the server's ``page_info_changed`` replaces it.

Checked against Chromium (the widget states of its ``BackMsg``s, byte counts and server CPU per
rerun were the same for slider moves and map clicks).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import traceback
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from client_widgets import Widget, element_key, encode, url_text

BROWSER_CONTEXT = {"timezone": "UTC", "timezone_offset": 0, "locale": "en-US", "is_embedded": False,
                   "color_scheme": "light"}
TRIGGER_PREFIX = "$$STREAMLIT_INTERNAL_KEY_"  # bidi components report events on "<prefix><id>__events"


@dataclass
class RunReport:
    """What one rerun did, seen from the client; times in seconds from the request."""

    outcome: str  # "finished", "compile error", "timeout", "disconnected", "client error"
    seconds: float
    exceptions: list[str] = field(default_factory=list)
    error_alerts: list[str] = field(default_factory=list)
    bytes_received: int = 0
    digest: str = ""  # of every element the run drew, in order
    same_page: bool = False  # the run drew exactly what the run before it drew

    @property
    def ok(self) -> bool:
        return self.outcome == "finished" and not self.exceptions and not self.error_alerts


class ErrorTally:
    """What went wrong across many reruns, by kind, with the distinct messages."""

    LABELS = {"exception": "exceptions", "error message": "st.error boxes", "not applied": "changes not applied",
              "timeout": "timeouts", "disconnected": "disconnects", "compile error": "compile errors",
              "client error": "client bugs", "training": "failed trainings"}

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.messages: Counter[str] = Counter()

    def add(self, report: RunReport) -> None:
        if report.outcome not in ("finished", "running"):
            self.counts[report.outcome] += 1
        for text in report.exceptions:
            self.note("exception", text)
        for text in report.error_alerts:
            self.note("error message", text)

    def note(self, kind: str, message: str) -> None:
        self.counts[kind] += 1
        self.messages[message[:160]] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        return ", ".join(f"{self.counts[kind]} {label}" for kind, label in self.LABELS.items()
                         if self.counts[kind] or kind in ("exception", "error message", "timeout"))


class StreamlitSession:
    """One browser tab's worth of protocol; use ``async with StreamlitSession(url) as session``."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError(f"this client only talks to a local server, not {base_url}")
        self.base_url = base_url
        self.timeout = timeout
        self.widgets: dict[str, Widget] = {}
        self.query_string = ""  # the browser's URL query (see the module docstring)
        self.disconnected = False
        self.client_error = ""
        self._socket = None
        self._reader: asyncio.Task | None = None
        self._page_hash = ""
        self.pages: dict[str, str] = {}  # url path of each page ("" for the default) → its script hash
        self._values: dict[str, object] = {}  # widget id → the value the browser would hold
        self._cache: dict[str, ForwardMsg] = {}  # big messages by hash, as the browser keeps them
        self._cache_used: set[str] = set()
        self._run: RunReport | None = None
        self._run_widgets: dict[str, Widget] = {}
        self._sent_at = 0.0
        self._run_id = ""
        self._digest = hashlib.blake2b(digest_size=16)
        self.page_digest = ""  # of the last finished run
        self._done: asyncio.Future | None = None

    @classmethod
    async def open(cls, base_url: str, *, timeout: float = 60.0) -> StreamlitSession:
        """A connected session (``close`` it), like ``async with`` without the block."""
        return await cls(base_url, timeout=timeout).__aenter__()

    async def __aenter__(self) -> StreamlitSession:
        stream = self.base_url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
        self._socket = await connect(stream, subprotocols=["streamlit"], max_size=None, proxy=None,
                                     open_timeout=self.timeout)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    # --- requests -------------------------------------------------------------------------------

    async def load(self) -> RunReport:
        """The first run, as when the page is opened at ``/``."""
        message = BackMsg()
        self._fill_context(message.rerun_script.context_info)
        return await self._request(message)

    async def rerun(self, values: dict[str, object] | None = None, click: tuple[str, dict] | None = None) -> RunReport:
        """Set widgets by key (``{"lr0": "0.015", "steps": 210}``) and rerun, like a browser does.

        ``click=(component_key, payload)`` also fires a click event of a v2 component (one-shot).
        """
        for key, value in (values or {}).items():
            if key not in self.widgets:
                raise KeyError(f"the last run drew no widget with key {key!r}")
            widget = self.widgets[key]
            self._values[widget.id] = value
            parameter = getattr(widget.proto, "query_param_key", "")
            if parameter:
                params = self.url_params()
                params[parameter] = url_text(value)
                if url_text(value) == url_text(widget.default):
                    del params[parameter]
                self.query_string = urllib.parse.urlencode(params)
        message = self._rerun_message(self._page_hash, with_widgets=True)
        if click is not None:
            component, payload = click
            trigger = message.rerun_script.widget_states.widgets.add()
            trigger.id = f"{TRIGGER_PREFIX}{self.widgets[component].id}__events"
            trigger.json_trigger_value = json.dumps([{"event": "click", "value": payload}])
        return await self._request(message)

    async def switch_page(self, url_path: str) -> RunReport:
        """Open another page of the app's menu (``""`` is the default page), as its link does.

        The link carries no query; the server puts back the parameters of the bound widgets the new
        page draws (the surface, for instance).
        """
        if url_path not in self.pages:
            raise KeyError(f"no page at /{url_path}; the menu has {sorted(self.pages)}")
        self.query_string = ""
        message = self._rerun_message(self.pages[url_path], with_widgets=False)
        self.widgets, self._values = {}, {}  # the next page draws its own widgets
        return await self._request(message)

    def _rerun_message(self, page_hash: str, *, with_widgets: bool) -> BackMsg:
        message = BackMsg()
        client_state = message.rerun_script
        client_state.page_script_hash = page_hash
        self._fill_context(client_state.context_info)
        if with_widgets:
            client_state.widget_states.widgets.extend(encode(self.widgets[key], value) for key, value in
                                                      self.values().items())
        client_state.query_string = self.query_string
        client_state.cached_message_hashes.extend(sorted(self._cache_used))
        return message

    def values(self) -> dict[str, object]:
        """The value of every drawn widget that has one, by key (what the next rerun sends)."""
        return {key: self._values[widget.id] for key, widget in self.widgets.items() if widget.id in self._values}

    def url_params(self) -> dict[str, str]:
        """The parameters of the browser's URL."""
        return dict(urllib.parse.parse_qsl(self.query_string))

    def value(self, key: str):
        """The value the browser would now hold (and send) for the widget with this key."""
        widget = self.widgets[key]
        return self._values.get(widget.id, widget.shown)

    def _fill_context(self, info) -> None:
        for name, value in BROWSER_CONTEXT.items():
            setattr(info, name, value)
        info.url = self.base_url + "/"

    async def _request(self, message: BackMsg) -> RunReport:
        if self.disconnected:
            return RunReport("disconnected", 0.0)
        loop = asyncio.get_running_loop()
        self._done = loop.create_future()
        self._run = RunReport("running", 0.0)
        self._run_widgets = {}
        self._run_id = ""
        self._digest = hashlib.blake2b(digest_size=16)
        self._sent_at = time.perf_counter()
        try:
            await self._socket.send(message.SerializeToString())
            return await asyncio.wait_for(asyncio.shield(self._done), self.timeout)
        except ConnectionClosed:
            self.disconnected = True
            return self._finish("disconnected")
        except asyncio.TimeoutError:
            return self._finish("timeout")

    # --- responses ------------------------------------------------------------------------------

    async def _read(self) -> None:
        try:
            async for frame in self._socket:
                if self._run is not None:
                    self._run.bytes_received += len(frame)
                message = ForwardMsg()
                message.ParseFromString(frame)
                self._handle(message)
        except ConnectionClosed:
            pass
        except Exception as error:  # a bug of this client, not of the app: say so, loudly
            self.client_error = f"{type(error).__name__}: {error}"
            traceback.print_exc()
        finally:
            self.disconnected = True
            if self._done is not None and not self._done.done():
                self._finish("client error" if self.client_error else "disconnected")

    def _handle(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(message.ref_hash)
            if cached is None:
                raise RuntimeError(f"the server referred to a message this client does not hold ({message.ref_hash})")
            self._cache_used.add(message.ref_hash)
            message, kind = cached, "delta"
        elif message.metadata.cacheable:
            self._cache[message.hash] = message
            self._cache_used.add(message.hash)
        if kind == "new_session":
            self._run_id = message.metadata.run.script_run_id
            self._cache_used = set()
            self._run_widgets = {}
            if message.new_session.page_script_hash:
                self._page_hash = message.new_session.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "navigation":
            self._page_hash = message.navigation.page_script_hash or self._page_hash
            self.pages = {page.url_pathname: page.page_script_hash for page in message.navigation.app_pages}
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            self._element(message.delta.new_element)
        elif kind == "script_finished":
            status = message.script_finished
            finished_run = message.metadata.run.script_run_id
            if not self._run_id or (finished_run and finished_run != self._run_id):
                return  # a late end of a run this client already gave up on
            if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return  # the script asked for a rerun: the run the user waits for comes next
            self._adopt(self._run_widgets)
            self._cache = {key: value for key, value in self._cache.items() if key in self._cache_used}
            if self._run is not None:
                self._run.digest = self._digest.hexdigest()
                self._run.same_page = self._run.digest == self.page_digest
                self.page_digest = self._run.digest
            self._finish("compile error" if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR else "finished")

    def _element(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind is None:
            return
        proto = getattr(element, kind)
        if kind == "download_button" and proto.deferred_file_id:  # a fresh random id every run
            element = type(element).FromString(element.SerializeToString())
            element.download_button.ClearField("deferred_file_id")
        self._digest.update(element.SerializeToString(deterministic=True))
        if kind == "exception":
            if self._run is not None:
                self._run.exceptions.append(f"{proto.type}: {proto.message}")
        elif kind == "alert" and proto.format == Alert.ERROR and self._run is not None:
            self._run.error_alerts.append(proto.body)
        key = element_key(getattr(proto, "id", ""))
        if key is not None:
            self._run_widgets[key] = Widget(key, proto.id, kind, proto)

    def _adopt(self, widgets: dict[str, Widget]) -> None:
        """The drawn widgets become the page's; their values follow the browser's rules (see above)."""
        values = {}
        for widget in widgets.values():
            pushed = getattr(widget.proto, "set_value", False)
            if widget.id in self._values and not pushed:
                values[widget.id] = self._values[widget.id]
            elif widget.shown is not None:
                values[widget.id] = widget.shown
        self.widgets, self._values = widgets, values

    def _finish(self, outcome: str) -> RunReport:
        report = self._run or RunReport(outcome, 0.0)
        report.outcome = outcome
        report.seconds = time.perf_counter() - self._sent_at
        if self._done is not None and not self._done.done():
            self._done.set_result(report)
        self._run = None
        return report
