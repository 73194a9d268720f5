"""The home page's two ways in: a network built from a form, or imported from a JSON file.

Both end as (network, inputs, targets, name), or as messages keyed by the field they are about,
so the form can show each next to its field and keep everything the user typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from app.api.schemas import SaveNetworkRequest
from app.notation.numbers import whole
from app.rules import MAX_PAGE_EXAMPLES, MAX_WALK_UNITS, control_character
from app.settings import get_settings
from app.web.errors import body_path
from app.web.jsontext import UnreadableJSON, read_json
from engine.activations import ACTIVATIONS, ELEMENTWISE
from engine.datasets import DATASETS, TRUTH_TABLES, make_dataset
from engine.errors import EngineError
from engine.init import INITIALISERS, init_parameters
from engine.losses import LOSSES, REDUCTIONS
from engine.network import Network, as_inputs, as_targets, check_targets
from engine.trace import backward
from engine.types import Array

DEFAULTS = {
    "name": "",
    "sizes": "2, 2, 1",
    "hidden_activation": "relu",
    "output_activation": "sigmoid",
    "loss": "binary_crossentropy",
    "reduction": "sum",
    "data": "dataset",
    "dataset": "xor",
    "n": "",
    "examples": "0, 0 -> 0\n0, 1 -> 1\n1, 0 -> 1\n1, 1 -> 0",
    "init": "glorot_uniform",
    "seed": "0",
    "weights": "",
    "biases": "",
    "layout": "in_out",
}
CHOICES = {
    "hidden_activation": ELEMENTWISE,
    "output_activation": tuple(ACTIVATIONS),
    "loss": tuple(LOSSES),
    "reduction": tuple(REDUCTIONS),
    "dataset": tuple(DATASETS),
    "init": tuple(INITIALISERS),
    "layout": ("in_out", "out_in"),
    "data": ("dataset", "typed"),
}


@dataclass(frozen=True)
class NewNetwork:
    network: Network
    inputs: Array
    targets: Array
    name: str | None


class FormErrors(ValueError):
    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__("; ".join(messages.values()))
        self.messages = messages


def _whole(text: str, field: str, low: int, high: int, errors: dict[str, str]) -> int | None:
    value = whole(text)
    if value is None:
        errors[field] = f"Type a whole number from {low} to {high}."
        return None
    if not low <= value <= high:
        errors[field] = f"Type a whole number from {low} to {high}, not {text.strip()}."
        return None
    return value


def _sizes(text: str, errors: dict[str, str]) -> list[int] | None:
    # NOTE: no "-" among the separators: "2, -3, 1" built a 2-3-1 network.
    parts = [p for p in re.split(r"[\s,;x×]+", text.strip()) if p]
    most = get_settings().max_layers + 1
    widest = min(get_settings().max_units, MAX_WALK_UNITS)
    counts = [whole(p) for p in parts]
    if len(parts) < 2 or None in counts:
        errors["sizes"] = "List the layer sizes as whole numbers, input first: e.g. 2, 2, 1."
        return None
    sizes = [s for s in counts if s is not None]
    if len(sizes) > most or not all(1 <= s <= widest for s in sizes):
        errors["sizes"] = f"Use 2 to {most} sizes, each from 1 to {widest} units."
        return None
    return sizes


def _typed_examples(
    text: str, errors: dict[str, str]
) -> tuple[list[list[float]], list[list[float]]]:
    inputs: list[list[float]] = []
    targets: list[list[float]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        left, arrow, right = line.partition("->")
        try:
            x = [float(v) for v in re.split(r"[\s,;]+", left.strip()) if v]
            t = [float(v) for v in re.split(r"[\s,;]+", right.strip()) if v]
        except ValueError:
            x, t = [], []
        if not arrow or not x or not t or not all(np.isfinite(x + t)):
            errors["examples"] = (
                f"Line {number} should read inputs -> targets, e.g. 0, 1 -> 1; "
                f"got {line.strip()!r}."
            )
            return [], []
        inputs.append(x)
        targets.append(t)
    if not inputs:
        errors["examples"] = "Type at least one example, one per line: inputs -> targets."
    elif len(inputs) > MAX_PAGE_EXAMPLES:
        errors["examples"] = f"At most {MAX_PAGE_EXAMPLES} examples on a page."
    elif len({len(x) for x in inputs}) > 1 or len({len(t) for t in targets}) > 1:
        errors["examples"] = "Every line needs the same number of inputs and of targets."
    return inputs, targets


def _json_matrices(text: str, field: str, errors: dict[str, str]) -> list[Any] | None:
    try:
        value = read_json(text)
    except UnreadableJSON as exc:
        errors[field] = f"This cannot be read: {exc}."
        return None
    if not isinstance(value, list):
        errors[field] = "Give a JSON list with one entry per layer."
        return None
    if _holds_a_truth_value(value):
        errors[field] = "Give numbers, not true or false."  # they were read as 1 and 0
        return None
    return value


def _holds_a_truth_value(value: Any) -> bool:
    if isinstance(value, list):
        return any(_holds_a_truth_value(v) for v in value)
    return isinstance(value, bool)


def _listed(sizes: list[int]) -> str:
    return ", ".join(map(str, sizes))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _shape(value: Any) -> tuple[int, int] | None:
    """(rows, columns) of a typed matrix, or None where it is not one (left to the engine)."""
    if not isinstance(value, list) or not value or not all(isinstance(r, list) for r in value):
        return None
    widths = {len(r) for r in value}
    return (len(value), widths.pop()) if len(widths) == 1 else None


def _typed_shapes(
    weights: list[Any],
    biases: list[Any] | None,
    sizes: list[int],
    layout: str,
    errors: dict[str, str],
) -> None:
    """Hold each typed matrix and bias list to the sizes, naming what was typed wrong (a
    mismatch once showed up as a bias's length though no bias was typed)."""
    wrong_w: list[str] = []
    wrong_b: list[str] = []
    for i, w in enumerate(weights):
        n_in, n_out = sizes[i], sizes[i + 1]
        rows, cols = (n_in, n_out) if layout == "in_out" else (n_out, n_in)
        shape = _shape(w)
        if shape is not None and shape != (rows, cols):
            per_row, per_col = ("input", "unit") if layout == "in_out" else ("unit", "input")
            wrong_w.append(
                f"Layer {i + 1}'s weights are {shape[0]}×{shape[1]}, but the sizes "
                f"{_listed(sizes)} need {rows}×{cols} (a row per {per_row}, a column per "
                f"{per_col}{', layout ' + layout if layout != 'in_out' else ''})."
            )
        b = biases[i] if biases is not None else None
        if isinstance(b, list) and len(b) != n_out:
            values, units = _count(len(b), "value"), _count(n_out, "unit")
            wrong_b.append(
                f"Layer {i + 1}'s bias has {values}, but the sizes {_listed(sizes)} say "
                f"layer {i + 1} has {units}."
            )
    if wrong_w:
        errors["weights"] = " ".join(wrong_w)
    if wrong_b:
        errors["biases"] = " ".join(wrong_b)


def build(fields: Mapping[str, str]) -> NewNetwork:
    """The network, data and name a filled-in build form describes, or FormErrors."""
    f = {k: fields.get(k, v) for k, v in DEFAULTS.items()}
    errors: dict[str, str] = {}
    for name, options in CHOICES.items():
        if f[name] not in options:
            errors[name] = f"Choose one of: {', '.join(options)}."
    if found := control_character(f["name"]):
        errors["name"] = f"The name must be plain text; it has {found}."
    sizes = _sizes(f["sizes"], errors)
    seed = _whole(f["seed"], "seed", 0, 2**31 - 1, errors)
    if errors or sizes is None or seed is None:
        raise FormErrors(errors)
    acts = [f["hidden_activation"]] * (len(sizes) - 2) + [f["output_activation"]]
    layers: list[dict[str, Any]]
    if f["biases"].strip() and not f["weights"].strip():
        # Biases alone were dropped without a word (the weights would be drawn at random).
        message = "Type the weights too: biases are used with exact weights only."
        raise FormErrors({"biases": message})
    if f["weights"].strip():
        weights = _json_matrices(f["weights"], "weights", errors)
        biases = _json_matrices(f["biases"], "biases", errors) if f["biases"].strip() else None
        if errors or weights is None:
            raise FormErrors(errors)
        if len(weights) != len(acts):
            errors["weights"] = (
                f"The sizes {_listed(sizes)} give {len(acts)} layers, so give {len(acts)} "
                f"weight matrices, not {len(weights)}."
            )
        if biases is not None and len(biases) != len(acts):
            errors["biases"] = (
                f"The sizes {_listed(sizes)} give {len(acts)} layers, so give {len(acts)} "
                f"bias lists, not {len(biases)}."
            )
        if not errors:
            _typed_shapes(weights, biases, sizes, f["layout"], errors)
        if errors:
            raise FormErrors(errors)
        layers = [
            {
                "weights": w,
                "bias": biases[i] if biases is not None else [0.0] * sizes[i + 1],
                "activation": acts[i],
            }
            for i, w in enumerate(weights)
        ]
    else:
        params = init_parameters(sizes, f["init"], seed)
        layers = [
            {"weights": w.tolist(), "bias": b.tolist(), "activation": a}
            for (w, b), a in zip(params, acts, strict=True)
        ]
    spec = {"layers": layers, "loss": f["loss"], "reduction": f["reduction"], "layout": f["layout"]}
    try:
        net = Network.from_dict(spec)
    except EngineError as exc:
        field = "biases" if "bias" in exc.loc else "weights" if "weights" in exc.loc else "sizes"
        if "loss" in exc.loc or "activation" in exc.loc:
            field = "loss"
        raise FormErrors({field: exc.message}) from None
    if net.sizes != sizes:
        raise FormErrors({"weights": f"The weights give sizes {net.sizes}, not {sizes}."})
    inputs, targets = _data(f, errors)
    if errors:
        raise FormErrors(errors)
    try:
        x = as_inputs(net, inputs)
        t = as_targets(net, targets, x.shape[0])
        check_targets(net, t)
    except EngineError as exc:
        raise FormErrors({"examples" if f["data"] == "typed" else "dataset": exc.message}) from None
    _computable(net, x, t, "weights" if f["weights"].strip() else "sizes")
    return NewNetwork(net, x, t, f["name"].strip()[:200] or None)


def _computable(net: Network, x: Array, t: Array, field: str) -> None:
    """Refuse a network whose walkthrough could never be shown (its passes overflow), before
    it is saved and listed: it was saved, then opened on an error page."""
    try:
        backward(net, x, t)
    except EngineError as exc:
        raise FormErrors({field: f"This network cannot be computed: {exc.message}."}) from None


def _data(f: Mapping[str, str], errors: dict[str, str]) -> tuple[Any, Any]:
    if f["data"] == "typed":
        return _typed_examples(f["examples"], errors)
    n = None
    if f["n"].strip() and f["dataset"] not in TRUTH_TABLES:
        n = _whole(f["n"], "n", 4, MAX_PAGE_EXAMPLES, errors)
    if errors:
        return [], []
    data = make_dataset(f["dataset"], n=n, seed=int(f["seed"]))
    return data.inputs, data.targets


def parse_import(raw: bytes) -> NewNetwork:
    """A network JSON file as the API reads and writes it: a saved network, a save request,
    or a bare network plus top-level inputs and targets."""
    try:
        data = read_json(raw)
    except UnreadableJSON as exc:
        raise FormErrors({"file": f"The file cannot be read: {exc}."}) from None
    if not isinstance(data, dict):
        raise FormErrors({"file": "The file should hold a JSON object with a network in it."})
    if "layers" in data:
        data = {
            "network": {k: v for k, v in data.items() if k not in ("inputs", "targets", "name")},
            **{k: data[k] for k in ("inputs", "targets", "name") if k in data},
        }
    body = {k: data[k] for k in ("network", "name", "inputs", "targets") if k in data}
    try:
        request = SaveNetworkRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in body_path(first["loc"])) or "the file"
        raise FormErrors({"file": f"{where}: {first['msg']}."}) from None
    if request.inputs is None or request.targets is None:
        raise FormErrors(
            {"file": "The file has no inputs and targets: a walkthrough needs examples."}
        )
    try:
        net = Network.from_dict(request.network.engine_dict())
        x = as_inputs(net, request.inputs)
        t = as_targets(net, request.targets, x.shape[0])
    except EngineError as exc:
        where = ".".join(str(p) for p in exc.loc)
        raise FormErrors({"file": f"{where}: {exc.message}." if where else exc.message}) from None
    if max(net.sizes) > MAX_WALK_UNITS or x.shape[0] > MAX_PAGE_EXAMPLES:
        raise FormErrors(
            {
                "file": f"The walkthrough shows layers of up to {MAX_WALK_UNITS} units "
                f"and up to {MAX_PAGE_EXAMPLES} examples."
            }
        )
    _computable(net, x, t, "file")
    return NewNetwork(net, x, t, request.name)
