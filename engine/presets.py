"""Ready-made networks with their data, each chosen to teach one thing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from engine.arrays import frozen
from engine.datasets import make_dataset
from engine.errors import EngineError
from engine.init import init_parameters
from engine.network import Layer, Network
from engine.types import Array


@dataclass(frozen=True)
class ExerciseSettings:
    example: int  # 1-based, as the homework numbers its examples
    learning_rate: float


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    network: Network
    inputs: Array
    targets: Array
    exercise: ExerciseSettings | None = None


def _random_network(
    sizes: list[int], activations: list[str], loss: str, reduction: str, scheme: str, seed: int
) -> Network:
    params = init_parameters(sizes, scheme, seed)
    layers = tuple(
        Layer(frozen(w), frozen(b), a) for (w, b), a in zip(params, activations, strict=True)
    )
    return Network(layers, loss, reduction)


XOR_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]]


def _xor_homework() -> Preset:
    # The seed notebook's network exactly: Wxh in layout in_out, Why as a column.
    net = Network.from_dict(
        {
            "layers": [
                {
                    "weights": [[0.79, 1.34], [0.87, 1.08]],
                    "bias": [0.10, -1.12],
                    "activation": "relu",
                },
                {"weights": [[0.68], [-2.01]], "bias": [-0.3], "activation": "sigmoid"},
            ],
            "loss": "binary_crossentropy",
            "reduction": "sum",
        }
    )
    return Preset(
        "xor-homework",
        "XOR homework (2-2-1)",
        "The classic exercise: ReLU hidden layer, sigmoid output, cross-entropy summed over the "
        "4 examples; back-propagate example 3 and update with learning rate 0.2.",
        net,
        frozen(XOR_INPUTS),
        frozen([[0], [1], [1], [0]]),
        ExerciseSettings(example=3, learning_rate=0.2),
    )


def _xor_random() -> Preset:
    return Preset(
        "xor-random",
        "XOR from a random start (2-4-1)",
        "The same problem from Glorot-initialised weights (seed 1): train it and watch the "
        "tanh hidden units bend the input plane until XOR is separable.",
        _random_network(
            [2, 4, 1], ["tanh", "sigmoid"], "binary_crossentropy", "mean", "glorot_uniform", 1
        ),
        frozen(XOR_INPUTS),
        frozen([[0], [1], [1], [0]]),
    )


def _spiral() -> Preset:
    data = make_dataset("spiral", n=200, noise=0.05, seed=0)
    return Preset(
        "spiral-two-hidden",
        "Two spirals need two hidden layers (2-8-8-1)",
        "Interleaved spirals are far from linearly separable: a deeper tanh network learns them "
        "where one small hidden layer struggles.",
        _random_network(
            [2, 8, 8, 1],
            ["tanh", "tanh", "sigmoid"],
            "binary_crossentropy",
            "mean",
            "glorot_uniform",
            0,
        ),
        data.inputs,
        data.targets,
    )


def _softmax() -> Preset:
    net = Network.from_dict(
        {
            "layers": [
                {
                    "weights": [[0.2, 0.5, -0.3], [0.4, -0.2, 0.1]],
                    "bias": [0.0, 0.0, 0.0],
                    "activation": "softmax",
                }
            ],
            "loss": "categorical_crossentropy",
            "reduction": "mean",
        }
    )
    inputs = [[2.0, 0.0], [1.5, 0.5], [-1.0, 1.5], [-0.5, 2.0], [-1.0, -1.5], [-0.5, -2.0]]
    targets = [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]]
    return Preset(
        "softmax-three-classes",
        "A softmax classifier (2-3, three classes)",
        "One softmax layer with cross-entropy, from weights that get most examples wrong: "
        "dL/dz is simply ŷ − t, and the prediction is the largest output.",
        net,
        frozen(inputs),
        frozen(targets),
    )


def _saturated() -> Preset:
    # z = 5 for (0, 1) and (1, 0): confidently wrong, on the flat tail of the sigmoid.
    net = Network.from_dict(
        {
            "layers": [{"weights": [[10.0], [10.0]], "bias": [-5.0], "activation": "sigmoid"}],
            "loss": "squared_error",
            "reduction": "sum",
        }
    )
    return Preset(
        "saturated-sigmoid",
        "A saturated sigmoid learns slowly (2-1, AND)",
        "Squared error through a saturated sigmoid: the output is confidently wrong, yet "
        "dL/dz = (ŷ − t) σ'(z) is tiny. Compare binary cross-entropy, whose dL/dz = ŷ − t.",
        net,
        frozen(XOR_INPUTS),
        frozen([[0], [0], [0], [1]]),
        ExerciseSettings(example=2, learning_rate=0.5),
    )


BUILDERS: dict[str, Callable[[], Preset]] = {
    "xor-homework": _xor_homework,
    "xor-random": _xor_random,
    "spiral-two-hidden": _spiral,
    "softmax-three-classes": _softmax,
    "saturated-sigmoid": _saturated,
}


@cache
def get_preset(name: str) -> Preset:
    if name not in BUILDERS:
        raise EngineError(f"unknown preset {name!r}; known: {', '.join(BUILDERS)}", ("name",))
    return BUILDERS[name]()


def all_presets() -> list[Preset]:
    return [get_preset(name) for name in BUILDERS]
