"""The lecture tour: one preset scene per part of the lecture, each a claim the numbers must show.

A scene is data: which page it opens, the surface, the optimizers with all their hyperparameters, the
start point, the number of steps (or the point the inspector looks at), and, for the two parts that
compare surfaces (loss function, normalization), a second surface raced side by side. Its texts (title,
story, what to look for) live in the language catalogues under ``tour.<key>``.

``run_scene`` runs a scene's optimizers on its surface(s) in one batched loop; the tests assert each
scene's claim on exactly these runs, so the tour never promises what its presets do not show.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from optimizers.schedules import Schedule, schedule_latex
from optimizers.settings import OptimizerKind, OptimizerSettings
from optimizers.trajectory import Trajectories, run_trajectories
from surfaces.choice import SurfaceChoice, resolve_surface

EXPLORER, INSPECTOR, COMPARE, LAB, EXPERIMENT = "explorer", "inspector", "compare", "lab", "experiment"
PAGES = (EXPLORER, INSPECTOR, COMPARE, LAB, EXPERIMENT)
PAGES_WITHOUT_SURFACE = (LAB, EXPERIMENT)
DIVERGENCE_MARGIN = 1.0  # the explorer's: a path leaving the domain padded by its size has diverged


@dataclass(frozen=True)
class Scene:
    """One preset of the tour. ``part`` numbers the lecture's parts (1-9), ``page`` is where it opens.

    For ``EXPLORER`` and ``COMPARE`` scenes, ``optimizers`` race from ``start`` for ``steps`` updates
    (on ``surface``, and for ``COMPARE`` on ``other`` too); an ``INSPECTOR`` scene looks at ``point``;
    the ``LAB`` scene opens the Network Lab with its own defaults; an ``EXPERIMENT`` scene opens the measured
    ``experiment`` (``experiments.registry.NAMES``).
    """

    key: str
    part: int
    page: str
    surface: SurfaceChoice | None
    latex: str
    optimizers: tuple[OptimizerSettings, ...] = ()
    start: tuple[float, float] = (0.0, 0.0)
    steps: int = 0
    point: tuple[float, float] | None = None
    other: SurfaceChoice | None = None
    experiment: str | None = None

    def __post_init__(self) -> None:
        if self.page not in PAGES:
            raise ValueError(f"scene {self.key!r}: unknown page {self.page!r}")
        if self.page == INSPECTOR and self.point is None:
            raise ValueError(f"scene {self.key!r}: an inspector scene needs a point")
        if self.page in (EXPLORER, COMPARE) and not 1 <= len(self.optimizers) <= 4:
            raise ValueError(f"scene {self.key!r}: a race needs 1 to 4 optimizers")
        if (self.page in PAGES_WITHOUT_SURFACE) != (self.surface is None):
            raise ValueError(f"scene {self.key!r}: every scene but the network ones shows a surface")
        if (self.page == COMPARE) != (self.other is not None):
            raise ValueError(f"scene {self.key!r}: exactly the compare scenes have a second surface")
        if (self.page == EXPERIMENT) != (self.experiment is not None):
            raise ValueError(f"scene {self.key!r}: exactly the experiment scenes name an experiment")


def _gd(lr: float, **knobs) -> OptimizerSettings:
    return OptimizerSettings(OptimizerKind.GD, lr, **knobs)


DECAY = Schedule("exponential", gamma=0.98)
WARMUP = Schedule("warmup_cosine", warmup_steps=50, total_steps=300)


SCENE_LIST = (
    Scene("critical_points", 1, INSPECTOR, SurfaceChoice("lecture_toy"), point=(0.0, 0.0),
          latex=r"L(\theta) \approx L(\theta') + (\theta-\theta')^\top g + \tfrac12 (\theta-\theta')^\top H (\theta-\theta')"),
    Scene("escape_saddle", 2, EXPLORER, SurfaceChoice("lecture_toy"), start=(0.0, 0.0), steps=300,
          optimizers=(_gd(0.05), _gd(0.05, noise=0.1, seed=1)),
          latex=r"L(\theta' + u) \approx L(\theta') + \tfrac12 \lambda \lVert u \rVert^2 < L(\theta') \quad (\lambda < 0)"),
    Scene("min_ratio", 3, EXPERIMENT, None, experiment="minimum_ratio",
          latex=r"\text{minimum ratio} = \frac{\#\{\lambda_i > 0\}}{\#\{\lambda_i\}}"),
    Scene("network_lab", 3, LAB, None,
          latex=r"H v \;=\; \nabla_\theta \big(\nabla_\theta L(\theta)^\top v\big), \qquad "
                r"\lambda_{\max},\ \lambda_{\min} \text{ by Lanczos}"),
    Scene("minibatch_saddle", 4, EXPLORER, SurfaceChoice("biased_toy"), start=(0.0, 0.0), steps=300,
          optimizers=(_gd(0.1), _gd(0.1, batch_size=4, seed=0), _gd(0.1, batch_size=1, seed=0)),
          latex=r"\tilde g^t = \frac{1}{|B^t|} \sum_{n \in B^t} \nabla \ell_n(\theta^t), \qquad "
                r"\nabla L(0, 0) = 0 \ne \nabla \ell_n(0, 0) = (0, -2 y_n)"),
    Scene("real_batch_size", 4, EXPERIMENT, None, experiment="batch_size",
          latex=r"\tilde g^t = \frac{1}{B} \sum_{n \in \mathcal{B}^t} \nabla \ell_n(\theta^t), \qquad "
                r"\text{one epoch} = \lceil N/B \rceil \text{ updates}"),
    Scene("batch_noise", 4, EXPLORER, SurfaceChoice("flat_sharp"), start=(1.48, 0.0), steps=400,
          optimizers=(_gd(0.1), _gd(0.1, noise=2.0, seed=0)),
          latex=r"\theta^{t+1} = \theta^t - \eta\,(g^t + \xi^t), \qquad \xi^t \sim \mathcal{N}(0, \sigma^2 I)"),
    Scene("momentum", 5, EXPLORER, SurfaceChoice("six_hump_camel"), start=(-2.49, 1.5), steps=500,
          optimizers=(_gd(0.01), OptimizerSettings(OptimizerKind.MOMENTUM, 0.01, momentum=0.9)),
          latex=r"m^{t+1} = \lambda m^t - \eta g^t, \qquad \theta^{t+1} = \theta^t + m^{t+1}"),
    Scene("adaptive", 6, EXPLORER, SurfaceChoice("ravine", parameter=90.0), start=(-4.5, 1.5), steps=300,
          optimizers=(_gd(0.02), OptimizerSettings(OptimizerKind.RMSPROP, 0.05, alpha=0.9)),
          latex=r"\theta_i^{t+1} = \theta_i^t - \frac{\eta}{\sigma_i^t} g_i^t, \qquad "
                r"\sigma_i^t = \sqrt{\alpha (\sigma_i^{t-1})^2 + (1-\alpha)(g_i^t)^2}"),
    Scene("real_optimizers", 6, EXPERIMENT, None, experiment="momentum_adaptive",
          latex=r"\theta_i^{t+1} = \theta_i^t - \frac{\eta}{\sigma_i^t}\, m_i^t, \qquad "
                r"\sigma_i^t = \sqrt{\alpha (\sigma_i^{t-1})^2 + (1-\alpha)(g_i^t)^2}"),
    Scene("edge_of_stability", 6, EXPERIMENT, None, experiment="edge_of_stability",
          latex=r"\theta^{t+1} = \theta^t - \eta g^t \text{ is stable along } u_{\max} \iff "
                r"\lambda_{\max} \le \frac{2}{\eta}"),
    Scene("decay", 7, EXPLORER, SurfaceChoice("ravine", parameter=90.0), start=(-4.5, 1.0), steps=300,
          optimizers=(OptimizerSettings(OptimizerKind.ROOT_MEAN_SQUARE, 0.5),
                      OptimizerSettings(OptimizerKind.ROOT_MEAN_SQUARE, 0.5, schedule=DECAY)),
          latex=rf"\begin{{gathered}} {OptimizerKind.ROOT_MEAN_SQUARE.latex} \\ {schedule_latex(DECAY)}"
                r" \end{gathered}"),
    Scene("warmup", 7, EXPLORER, SurfaceChoice("rosenbrock"), start=(-1.5, 2.0), steps=300,
          optimizers=(OptimizerSettings(OptimizerKind.ADAM, 1.0),
                      OptimizerSettings(OptimizerKind.ADAM, 1.0, schedule=WARMUP)),
          latex=schedule_latex(WARMUP)),
    Scene("real_warm_up", 7, EXPERIMENT, None, experiment="warm_up",
          latex=r"\eta^t = \eta \min\!\Big(1, \frac{t}{w}\Big), \qquad "
                r"\text{step}_i^t = \frac{\eta^t}{\sqrt{\hat v_i^t} + \epsilon}\, \hat m_i^t"),
    Scene("loss_function", 8, COMPARE, SurfaceChoice("classifier_mse"), other=SurfaceChoice("classifier_ce"),
          start=(-6.0, 6.0), steps=300, optimizers=(_gd(1.0),),
          latex=r"e_{\text{MSE}} = \sum_i (\hat y_i - y_i)^2 \quad \text{vs} \quad e_{\text{CE}} = -\sum_i \hat y_i \ln y'_i"),
    Scene("real_loss_function", 8, EXPERIMENT, None, experiment="mse_vs_cross_entropy",
          latex=r"e_{\text{MSE}} = \sum_i (\hat y_i - y'_i)^2, \qquad e_{\text{CE}} = -\sum_i \hat y_i \ln y'_i, "
                r"\qquad y' = \operatorname{softmax}(y)"),
    Scene("normalization", 9, COMPARE, SurfaceChoice("features_raw"), other=SurfaceChoice("features_normalized"),
          start=(-3.0, -3.0), steps=300, optimizers=(_gd(0.1),),
          latex=r"\tilde x_i^r = \frac{x_i^r - m_i}{\sigma_i}"),
    Scene("real_batch_norm", 9, EXPERIMENT, None, experiment="batch_norm",
          latex=r"\tilde z_i = \gamma_i \frac{z_i - \mu_{\mathcal{B},i}}{\sqrt{\sigma_{\mathcal{B},i}^2 + \epsilon}} + \beta_i"),
)
SCENES: Mapping[str, Scene] = types.MappingProxyType({scene.key: scene for scene in SCENE_LIST})


@dataclass(frozen=True, eq=False)
class SceneRuns:
    """A scene's races: ``runs[0]`` on ``scene.surface`` and, for a compare scene, ``runs[1]`` on ``scene.other``."""

    scene: Scene
    runs: tuple[Trajectories, ...]


def race_on(choice: SurfaceChoice, optimizers: tuple[OptimizerSettings, ...], start: tuple[float, float],
            steps: int) -> Trajectories:
    """The optimizers from ``start`` on the chosen surface, with the explorer's divergence box."""
    surface = resolve_surface(choice)
    starts = np.tile(np.asarray(start, dtype=float), (len(optimizers), 1))
    return run_trajectories(surface.loss, starts, optimizers, steps, surface.domain.padded(DIVERGENCE_MARGIN).bounds,
                            example_losses=surface.example_losses)


def run_scene(scene: Scene) -> SceneRuns:
    """The races a scene shows (none for an inspector or network scene)."""
    if scene.page in (INSPECTOR, *PAGES_WITHOUT_SURFACE):
        return SceneRuns(scene, ())
    choices = (scene.surface,) if scene.other is None else (scene.surface, scene.other)
    return SceneRuns(scene, tuple(race_on(choice, scene.optimizers, scene.start, scene.steps) for choice in choices))
