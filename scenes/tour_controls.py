"""The two or three knobs each tour scene puts beside its preview, and the scene they make.

A control sets one hyperparameter (``knob``) of some of the scene's runs (``slots``) to one of a few
``options``; the preset's own value is always among them, so the student can move away from the claim
and back. ``with_values`` builds the scene those values describe: the preview runs it, and "Open in the
explorer" opens it. The claims of "What to look for" hold for the preset; ``changed_controls`` says
which controls no longer show it.

Data only, no streamlit: the page draws the widgets (``ui.tour_preview``), the tests check every
control against its scene.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from optimizers.settings import OptimizerSettings
from scenes.tour import Scene

Value = float | int
# How each knob reads and writes one run's settings (the schedule's knobs go through its Schedule).
KNOBS: Mapping[str, tuple[Callable[[OptimizerSettings], Value], Callable[[OptimizerSettings, Value], OptimizerSettings]]] = \
    types.MappingProxyType({
        "lr": (lambda settings: settings.lr, lambda settings, value: dataclasses.replace(settings, lr=value)),
        "noise": (lambda settings: settings.noise, lambda settings, value: dataclasses.replace(settings, noise=value)),
        "momentum": (lambda settings: settings.momentum,
                     lambda settings, value: dataclasses.replace(settings, momentum=value)),
        "alpha": (lambda settings: settings.alpha, lambda settings, value: dataclasses.replace(settings, alpha=value)),
        "seed": (lambda settings: settings.seed, lambda settings, value: dataclasses.replace(settings, seed=value)),
        "batch_size": (lambda settings: settings.batch_size,
                       lambda settings, value: dataclasses.replace(settings, batch_size=value)),
        "gamma": (lambda settings: settings.schedule.gamma,
                  lambda settings, value: dataclasses.replace(
                      settings, schedule=dataclasses.replace(settings.schedule, gamma=value))),
        "warmup": (lambda settings: settings.schedule.warmup_steps,
                   lambda settings, value: dataclasses.replace(
                       settings, schedule=dataclasses.replace(settings.schedule, warmup_steps=value))),
    })


@dataclass(frozen=True)
class SceneControl:
    """One knob beside a preview: ``knob`` of the runs in ``slots``, chosen among ``options``."""

    knob: str
    slots: tuple[int, ...]
    options: tuple[Value, ...]

    def __post_init__(self) -> None:
        if self.knob not in KNOBS:
            raise ValueError(f"unknown knob {self.knob!r}; choose one of: {', '.join(KNOBS)}")
        if not self.slots or list(self.options) != sorted(set(self.options)):
            raise ValueError(f"control {self.knob!r}: needs runs to set and increasing, distinct options")

    def preset(self, scene: Scene) -> Value:
        """The scene's own value of this knob (that of the first run it sets)."""
        return KNOBS[self.knob][0](scene.optimizers[self.slots[0]])

    def key(self, scene: Scene) -> str:
        """The widget's key, also its name in the URL: ``tour_`` + scene + knob, clear of the explorer's keys."""
        return f"tour_{scene.key}_{self.knob}"


def _all(count: int) -> tuple[int, ...]:
    return tuple(range(count))


RATES = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
CONTROLS: Mapping[str, tuple[SceneControl, ...]] = types.MappingProxyType({
    "escape_saddle": (SceneControl("noise", (1,), (0.01, 0.03, 0.1, 0.3, 1.0)),
                      SceneControl("seed", (1,), tuple(range(10))),
                      SceneControl("lr", _all(2), (0.01, 0.02, 0.05, 0.1, 0.2))),
    "minibatch_saddle": (SceneControl("batch_size", (1,), (1, 2, 4, 6)),
                         SceneControl("seed", (1, 2), tuple(range(10))),
                         SceneControl("lr", _all(3), (0.02, 0.05, 0.1, 0.2))),
    "batch_noise": (SceneControl("noise", (1,), (0.5, 1.0, 1.5, 2.0, 3.0, 5.0)),
                    SceneControl("lr", _all(2), (0.02, 0.05, 0.1, 0.2))),
    "momentum": (SceneControl("momentum", (1,), (0.0, 0.5, 0.8, 0.9, 0.95)),
                 SceneControl("lr", _all(2), (0.005, 0.01, 0.02))),
    "adaptive": (SceneControl("alpha", (1,), (0.5, 0.9, 0.99, 0.999)),
                 SceneControl("lr", (1,), (0.01, 0.02, 0.05, 0.1))),
    "decay": (SceneControl("gamma", (1,), (0.9, 0.95, 0.98, 0.99, 0.995)),
              SceneControl("lr", _all(2), (0.1, 0.2, 0.5, 1.0))),
    "warmup": (SceneControl("warmup", (1,), (1, 10, 25, 50, 100)),
               SceneControl("lr", _all(2), (0.1, 0.3, 1.0))),
    "loss_function": (SceneControl("lr", (0,), (0.1, 0.3, 1.0, 3.0, 10.0)),),
    "normalization": (SceneControl("lr", (0,), (0.01, 0.03, 0.1, 0.3)),),
})


def scene_controls(scene: Scene) -> tuple[SceneControl, ...]:
    """The controls beside ``scene``'s preview (none for the inspector and network scenes)."""
    return CONTROLS.get(scene.key, ())


def with_values(scene: Scene, values: Mapping[str, Value]) -> Scene:
    """``scene`` with each control's knob (by name in ``values``) set on the runs the control sets."""
    optimizers = list(scene.optimizers)
    for control in scene_controls(scene):
        if control.knob in values:
            for slot in control.slots:
                optimizers[slot] = KNOBS[control.knob][1](optimizers[slot], values[control.knob])
    return dataclasses.replace(scene, optimizers=tuple(optimizers))


def changed_controls(scene: Scene, values: Mapping[str, Value]) -> tuple[SceneControl, ...]:
    """The controls whose value in ``values`` is not the preset's: the claims below no longer hold for them."""
    return tuple(control for control in scene_controls(scene)
                 if control.knob in values and values[control.knob] != control.preset(scene))
