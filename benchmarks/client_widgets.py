"""The widgets a headless Streamlit session holds, in the browser's encoding (see ``streamlit_client``).

A ``Widget`` is what the last run drew (key, id, proto); ``Widget.shown`` is the value the browser
holds for it, ``encode`` the ``WidgetState`` the browser sends to set it, and ``url_text`` how a
bound widget's value reads in the URL. Checked against Chromium's messages (streamlit 1.67).
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState


@dataclass(frozen=True)
class Widget:
    """A widget (or keyed element) as the last run drew it: its key, its id, and its proto."""

    key: str
    id: str
    kind: str  # the Element field: "slider", "selectbox", "button_group", "text_input", ...
    proto: Message

    @property
    def options(self) -> list[str]:
        """The option texts the browser shows (and sends back)."""
        options = getattr(self.proto, "options", ())
        return [option.content if self.kind == "button_group" else option for option in options]

    @property
    def shown(self):
        """The value the browser holds for this widget, as ``encode`` takes it: the value the server
        set (``set_value``), else the default; ``None`` for elements that send no state (charts)."""
        return self._value(forced=getattr(self.proto, "set_value", False))

    @property
    def default(self):
        """The widget's default value, as ``encode`` takes it."""
        return self._value(forced=False)

    def _value(self, forced: bool):
        proto, kind = self.proto, self.kind
        if kind == "slider" and proto.type == Slider.Type.SELECT_SLIDER:
            texts = list(proto.raw_value) if forced else [self.options[int(index)] for index in proto.default]
            return texts[0] if len(texts) == 1 else texts
        if kind == "slider":
            numbers = list(proto.value) if forced else list(proto.default)
            return numbers[0] if len(numbers) == 1 else numbers
        if kind in ("selectbox", "radio"):
            if forced and proto.HasField("raw_value"):
                return proto.raw_value
            return self.options[proto.default] if proto.HasField("default") else None
        if kind == "button_group":
            texts = list(proto.raw_values) if forced else [self.options[index] for index in proto.default]
            return texts[0] if texts else None
        if kind == "checkbox":
            return proto.value if forced else proto.default
        if kind in ("number_input", "text_input", "text_area"):
            if forced and proto.HasField("value"):
                return proto.value
            return proto.default if proto.HasField("default") else None
        return None


def element_key(element_id: str) -> str | None:
    """``"$$ID-<hash>-lr0"`` → ``"lr0"``; ``None`` for elements without a user key."""
    parts = element_id.split("-", 2)
    return parts[2] if len(parts) == 3 and parts[0] == "$$ID" else None


def url_text(value) -> str:
    """A value as the browser writes it into the URL (``200``, not ``200.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def encode(widget: Widget, value) -> WidgetState:
    """The browser's ``WidgetState`` for setting ``widget`` to ``value`` (option text or number)."""
    state = WidgetState(id=widget.id)
    if widget.kind == "slider" and widget.proto.type == Slider.Type.SELECT_SLIDER:
        texts = value if isinstance(value, (list, tuple)) else [value]
        state.string_array_value.data.extend(str(text) for text in texts)
    elif widget.kind == "slider":
        values = value if isinstance(value, (list, tuple)) else [value]
        state.double_array_value.data.extend(float(item) for item in values)
    elif widget.kind == "button_group":
        state.string_array_value.data.append(str(value))
    elif widget.kind in ("selectbox", "radio", "text_input", "text_area"):
        state.string_value = str(value)
    elif widget.kind == "checkbox":
        state.bool_value = bool(value)
    elif widget.kind == "number_input" and widget.proto.data_type == NumberInput.DataType.INT:
        state.int_value = int(value)
    elif widget.kind == "number_input":
        state.double_value = float(value)
    else:
        raise ValueError(f"no encoding for a {widget.kind} widget ({widget.key})")
    return state
