r"""Error surfaces of tiny models on small seeded data sets: the loss over the model's two weights.

Here θ = (x, y) = (w₁, w₂) are a model's weights and L(θ) is its average loss over a data set from
``surfaces.datasets``. Each loss is batched like every surface: points ``p`` of shape ``(..., 2)``
against all N examples at once, z = w₁x₁ + w₂x₂ of shape ``(..., N)``, then a mean over the examples.

Two pairs, each the same model and data with one thing changed, as in the lecture:

* a tiny classifier under MSE and under softmax + cross-entropy (the loss function changes the
  surface: MSE is flat where the loss is high);
* a linear regression on features 100× apart in scale, before and after standardizing them (feature
  normalization turns a long ravine into a round bowl).

And one for mini-batches: the lecture's toy network with a bias on its hidden unit, on 8 examples, whose
full loss has a saddle where no single example's loss is flat.

Every surface here also gives each example's own loss ℓₙ (``*_example_losses``, shape ``(..., N)``), of
which its loss is the mean: a mini-batch's loss is the mean over a few of them.

The classifiers' minima have no closed form: they were found once by Newton's method in float64 (the
only critical points in the domain) and are checked by the tests. The regressions' minima are the
least-squares solutions, computed in closed form from the data, and so are the toy's critical points.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from surfaces.base import Domain, PointKind, Surface, points_of_kind
from surfaces.datasets import Dataset, features_of_different_scales, noisy_line, standardized, two_class_clouds

CLASSIFIER_DATA = two_class_clouds()
BIASED_TOY_INPUTS, BIASED_TOY_TARGETS = noisy_line()
FEATURES_DATA = features_of_different_scales()
NORMALIZED_FEATURES_DATA = Dataset(standardized(FEATURES_DATA.features), FEATURES_DATA.targets,
                                   FEATURES_DATA.description + ", features standardized")


@functools.lru_cache(maxsize=16)
def _feature_columns(data: Dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """x₁ and x₂ of all examples, each a contiguous (N,) tensor: made once per data set, not per step."""
    first, second = data.features.T.contiguous()
    return first, second


@functools.lru_cache(maxsize=16)
def _signed_feature_columns(data: Dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """The columns of (−1)^{cₙ} xₙ, for margins (class 0 keeps its sign, class 1 is flipped)."""
    signs = 1.0 - 2.0 * data.targets.to(torch.float64)
    first, second = (data.features * signs.unsqueeze(-1)).T.contiguous()
    return first, second


def weighted_sums(p: torch.Tensor, columns: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """w₁xₙ₁ + w₂xₙ₂ for every point and every example, shape ``(..., N)``.

    Two broadcast products rather than ``p @ featuresᵀ``: an inner product of length 2 gains nothing from
    a matrix product, and the backward pass's (batch × N) @ (N × 2) goes to multithreaded BLAS, which
    stalls for milliseconds when the CPU is shared (measured: p99 16 ms per call on a busy machine).
    """
    first, second = columns
    return p[..., 0:1] * first + p[..., 1:2] * second


def classifier_margins(p: torch.Tensor, data: Dataset) -> torch.Tensor:
    r"""Every example's margin at every point, shape ``(..., N)``: its score z = w₁x₁ + w₂x₂, signed by its class.

    The classifier gives class 0 the score z and class 1 the score 0 (a softmax only sees their
    difference), so :math:`\operatorname{softmax}(z, 0) = (\sigma(z), \sigma(-z))`. The margin
    :math:`m_n = (-1)^{c_n} z_n` is positive when example n is on its own class's side, and the
    probability of its true class is σ(mₙ).
    """
    return weighted_sums(p, _signed_feature_columns(data))


def classifier_mse_loss(p: torch.Tensor, data: Dataset) -> torch.Tensor:
    r"""The squared error between the softmax output and the one-hot label, averaged over the examples.

    .. math::

        L = \frac{1}{N}\sum_n \left\lVert \operatorname{softmax}(z_n, 0) - \hat y_n \right\rVert^2
          = \frac{1}{N}\sum_n 2\,\sigma(-m_n)^2,

    since both classes miss by σ(−mₙ). For a confidently wrong example (mₙ ≪ 0) the error is close to
    its maximum 2 but its slope, 4σ(−mₙ)²σ(mₙ), vanishes like e^{mₙ}: high loss, flat surface.
    """
    return classifier_mse_example_losses(p, data).mean(dim=-1)


def classifier_mse_example_losses(p: torch.Tensor, data: Dataset) -> torch.Tensor:
    """Each example's squared error 2σ(−mₙ)², shape ``(..., N)``: ``classifier_mse_loss`` is their mean."""
    return 2 * torch.sigmoid(-classifier_margins(p, data)).square()


def classifier_cross_entropy_loss(p: torch.Tensor, data: Dataset) -> torch.Tensor:
    r"""Softmax followed by cross-entropy, averaged over the examples (what ``F.cross_entropy`` computes).

    .. math::

        L = \frac{1}{N}\sum_n -\ln \operatorname{softmax}(z_n, 0)_{c_n} = \frac{1}{N}\sum_n -\ln \sigma(m_n).

    For a confidently wrong example −ln σ(mₙ) ≈ −mₙ: the loss keeps a slope of about ‖xₙ‖ however wrong
    the classifier is. Written as softplus(−mₙ) = ln(1 + e^{−mₙ}), exact in float64 (past the threshold 40
    softplus returns its argument; the neglected ln(1 + e^{−40}) is below float64's resolution there);
    the tests check it against ``F.cross_entropy`` on the scores (z, 0). Not ``F.logsigmoid``: on a
    small batch it runs multithreaded and stalls on a shared CPU.
    """
    return classifier_cross_entropy_example_losses(p, data).mean(dim=-1)


def classifier_cross_entropy_example_losses(p: torch.Tensor, data: Dataset) -> torch.Tensor:
    """Each example's cross-entropy −ln σ(mₙ) = softplus(−mₙ), shape ``(..., N)``."""
    return F.softplus(-classifier_margins(p, data), threshold=40.0)


def linear_regression_loss(p: torch.Tensor, data: Dataset) -> torch.Tensor:
    """L = (1/N) Σₙ (yₙ − w₁xₙ₁ − w₂xₙ₂)², the mean squared error of ŷ = w₁x₁ + w₂x₂."""
    return linear_regression_example_losses(p, data).mean(dim=-1)


def linear_regression_example_losses(p: torch.Tensor, data: Dataset) -> torch.Tensor:
    """Each example's squared error (yₙ − w₁xₙ₁ − w₂xₙ₂)², shape ``(..., N)``."""
    return (data.targets - weighted_sums(p, _feature_columns(data))) ** 2


def least_squares_minimum(data: Dataset) -> tuple[float, float]:
    r"""The weights minimizing ``linear_regression_loss``: the normal equations XᵀX w = Xᵀy.

    The Hessian is the same everywhere, :math:`H = \tfrac{2}{N} X^\top X`, so this is the only critical point.
    """
    features, targets = data.features, data.targets
    w1, w2 = torch.linalg.solve(features.T @ features, features.T @ targets).tolist()
    return (w1, w2)


def biased_toy_example_losses(p: torch.Tensor, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""Each example's squared error under the lecture's toy network with a hidden bias, shape ``(..., N)``.

    .. math::

        \ell_n(w_1, w_2) = \bigl(y_n - w_2\,(w_1 x_n + 1)\bigr)^2 .

    The lecture's toy is ŷ = w₂·(w₁x): at w = 0 its hidden unit outputs 0 for every input, so every
    example's gradient is 0 there. With the bias 1 on the hidden unit (fixed, to keep θ two-dimensional)
    it outputs 1 at w = 0, and ∇ℓₙ(0, 0) = (0, −2yₙ): each example pulls w₂ its own way, and only their
    mean, (0, −2ȳ), is 0 (the targets are centred exactly, ``surfaces.datasets.noisy_line``).
    """
    return (targets - p[..., 1:2] * (p[..., 0:1] * inputs + 1)) ** 2


def biased_toy_loss(p: torch.Tensor, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """L = (1/N) Σₙ ℓₙ, the mean squared error of ŷ = w₂(w₁x + 1)."""
    return biased_toy_example_losses(p, inputs, targets).mean(dim=-1)


def biased_toy_minimum(inputs: torch.Tensor, targets: torch.Tensor) -> tuple[float, float]:
    r"""The toy's only minimum: ŷ = (w₁w₂)x + w₂ is the least-squares line ŷ = ax + c when w₂ = c, w₁ = a/c.

    Its other critical point is the origin: :math:`\partial L/\partial w_1 = -2 w_2\,\overline{r x}` and
    :math:`\partial L/\partial w_2 = -2\,\overline{r\,(w_1 x + 1)}` (r = y − ŷ) vanish together either where
    the residuals are those of the least-squares line or where w₂ = 0 and w₁ = −ȳ/(xy)‾, which is 0
    for centred targets. There the Hessian is [[0, −2(xy)‾], [−2(xy)‾, 2]]: a saddle.
    """
    design = torch.stack((inputs, torch.ones_like(inputs)), dim=-1)
    slope, intercept = torch.linalg.lstsq(design, targets.unsqueeze(-1)).solution.squeeze(-1).tolist()
    return (slope / intercept, intercept)


CLASSIFIER_DOMAIN = Domain(-8.0, 8.0, -8.0, 8.0)
CLASSIFIER_STARTS = ((-6.0, 6.0), (6.0, 6.0), (-6.0, -6.0))
CLASSIFIER_SCORE_LATEX = r"z_n = w_1 x_{n1} + w_2 x_{n2},\ N = 40 \quad (x = w_1,\ y = w_2)"

CLASSIFIER_MSE = Surface(
    key="classifier_mse",
    name="Tiny classifier under MSE",
    loss=functools.partial(classifier_mse_loss, data=CLASSIFIER_DATA),
    domain=CLASSIFIER_DOMAIN,
    starts=CLASSIFIER_STARTS,
    latex=(r"\frac{1}{N}\sum_{n} \left\lVert \operatorname{softmax}(z_n, 0) - \hat y_n \right\rVert^2, \quad "
           + CLASSIFIER_SCORE_LATEX),
    lecture="The lecture's comparison, computed: a tiny classifier (class scores z = w₁x₁ + w₂x₂ and 0, then a "
            "softmax) on 40 points of two overlapping classes, trained with the squared error between its softmax "
            "output and the one-hot label. Where it is confidently wrong, top left, the loss is close to its maximum 2 "
            "yet the surface is flat: at (−6, 6) the gradient is 0.004, and 300 steps of gradient descent with "
            "η = 0.1 barely move (loss 1.760 → 1.760). Same model, data and start as the cross-entropy surface.",
    critical_points=points_of_kind(PointKind.MINIMUM, (2.0821950319807323, -0.8449863234997572)),
    dataset=CLASSIFIER_DATA,
    example_losses=functools.partial(classifier_mse_example_losses, data=CLASSIFIER_DATA),
)

CLASSIFIER_CE = Surface(
    key="classifier_ce",
    name="Tiny classifier under cross-entropy",
    loss=functools.partial(classifier_cross_entropy_loss, data=CLASSIFIER_DATA),
    domain=CLASSIFIER_DOMAIN,
    starts=CLASSIFIER_STARTS,
    latex=r"\frac{1}{N}\sum_{n} -\ln \operatorname{softmax}(z_n, 0)_{c_n}, \quad " + CLASSIFIER_SCORE_LATEX,
    lecture="The same tiny classifier, data and start under softmax + cross-entropy (PyTorch's cross_entropy "
            "includes the softmax). Where the classifier is confidently wrong the loss is large and so is the slope: "
            "the gradient at (−6, 6) is 1.6, over 400 times the MSE one, and 300 steps of gradient descent with "
            "η = 0.1 take the loss from 13.1 to 0.20, next to the minimum at (2.07, −1.29). Changing the loss "
            "function changes how hard the optimization is.",
    critical_points=points_of_kind(PointKind.MINIMUM, (2.0697567614046135, -1.2932348382342205)),
    dataset=CLASSIFIER_DATA,
    example_losses=functools.partial(classifier_cross_entropy_example_losses, data=CLASSIFIER_DATA),
)

FEATURES_DOMAIN = Domain(-4.0, 4.0, -4.0, 4.0)
FEATURES_STARTS = ((-3.0, -3.0), (-3.5, 3.5), (3.5, -2.0))

FEATURES_RAW = Surface(
    key="features_raw",
    name="Unnormalized features",
    loss=functools.partial(linear_regression_loss, data=FEATURES_DATA),
    domain=FEATURES_DOMAIN,
    starts=FEATURES_STARTS,
    latex=(r"\frac{1}{N}\sum_{n} \left(y_n - w_1 x_{n1} - w_2 x_{n2}\right)^2, \quad "
           r"\operatorname{std}(x_1) = 0.03,\ \operatorname{std}(x_2) = 3 \quad (x = w_1,\ y = w_2)"),
    lecture="A linear model ŷ = w₁x₁ + w₂x₂ fitted by mean squared error to 40 examples whose feature x₁ is 100 "
            "times smaller than x₂ (standard deviations 0.03 and 3). Changing w₁ hardly changes the output, changing "
            "w₂ changes it a lot: the error surface is a long, narrow ravine along w₁, with Hessian eigenvalues "
            "0.0018 and 18 (condition number 10,000). With η = 0.1 gradient descent zig-zags across the ravine, then "
            "crawls along it: after 300 steps it is still 5.5 away from the minimum.",
    critical_points=points_of_kind(PointKind.MINIMUM, least_squares_minimum(FEATURES_DATA)),
    dataset=FEATURES_DATA,
    example_losses=functools.partial(linear_regression_example_losses, data=FEATURES_DATA),
)

FEATURES_NORMALIZED = Surface(
    key="features_normalized",
    name="Normalized features",
    loss=functools.partial(linear_regression_loss, data=NORMALIZED_FEATURES_DATA),
    domain=FEATURES_DOMAIN,
    starts=FEATURES_STARTS,
    latex=(r"\frac{1}{N}\sum_{n} \left(y_n - w_1 \tilde x_{n1} - w_2 \tilde x_{n2}\right)^2, \quad "
           r"\tilde x_{nj} = \frac{x_{nj} - m_j}{\sigma_j} \quad (x = w_1,\ y = w_2)"),
    lecture="The same data with both features standardized, x̃ = (x − m)/σ (mean 0, variance 1). Now both "
            "weights matter equally: the surface is a round bowl, with Hessian eigenvalues 1.93 and 2.07 (condition "
            "number 1.07), and gradient descent with the same η = 0.1 goes straight down, within 0.01 of the minimum "
            "in 28 steps. This is feature normalization, done once to the inputs before training. Batch normalization, "
            "which belongs to real networks with layers (this two-weight model has none), normalizes the inputs of "
            "every layer with the mean and variance of each mini-batch, then applies a learnable scale γ and shift β, "
            "and uses running averages of those statistics at test time.",
    critical_points=points_of_kind(PointKind.MINIMUM, least_squares_minimum(NORMALIZED_FEATURES_DATA)),
    dataset=NORMALIZED_FEATURES_DATA,
    example_losses=functools.partial(linear_regression_example_losses, data=NORMALIZED_FEATURES_DATA),
)

BIASED_TOY = Surface(
    key="biased_toy",
    name="Toy network with a bias: one loss per example",
    loss=functools.partial(biased_toy_loss, inputs=BIASED_TOY_INPUTS, targets=BIASED_TOY_TARGETS),
    domain=Domain(-3.0, 3.0, -3.0, 3.0),
    starts=((0.0, 0.0), (2.0, 2.0), (-2.5, 1.0)),
    latex=(r"\frac{1}{N}\sum_{n} \ell_n, \quad \ell_n = \left(y_n - w_2\,(w_1 x_n + 1)\right)^2,\ N = 8"
           r" \quad (x = w_1,\ y = w_2)"),
    lecture="The lecture's toy network with a bias on its hidden unit, ŷ = w₂(w₁x + 1), fitted to 8 examples of a "
            "noisy line (targets centred). The origin is a saddle of the full loss L (Hessian eigenvalues −0.23 and "
            "2.23): its gradient, (0, −2·mean y), is exactly 0. But each example has its own loss ℓₙ, and their "
            "gradients there, (0, −2yₙ), are not 0: from −2.34 to 1.66. So full-batch gradient descent started at the "
            "origin never moves, while a mini-batch of one example is never stuck there. The only minimum, (−0.96, "
            "−1.28), is the least-squares line.",
    critical_points=(
        *points_of_kind(PointKind.SADDLE, (0.0, 0.0)),
        *points_of_kind(PointKind.MINIMUM, biased_toy_minimum(BIASED_TOY_INPUTS, BIASED_TOY_TARGETS)),
    ),
    example_losses=functools.partial(biased_toy_example_losses, inputs=BIASED_TOY_INPUTS, targets=BIASED_TOY_TARGETS),
)
