"""The rules every way in shares (the API, the pages' forms and their URLs), each written once:
the ranges of what a user may give, the sizes the pages can show, and what training costs.

Operators move the request limits with settings (app.settings); these are the app's own.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

MAX_NAME_LENGTH = 200  # a name's or title's column
MAX_LEARNING_RATE = 100.0  # of an update or an exercise: past it every step diverges
MAX_WALK_UNITS = 64  # wider layers are for the API: a walkthrough page would not be readable
MAX_PAGE_EXAMPLES = 1000  # the walkthrough's tables and equations stay readable below this
MAX_ABSOLUTE_TOLERANCE = 1e6

# C0 controls, DEL and C1 controls: PostgreSQL refuses NUL in text, and none belongs in a name.
CONTROLS = r"\x00-\x1f\x7f-\x9f"
CONTROL_CHARACTERS = re.compile(f"[{CONTROLS}]")
PLAIN_TEXT_PATTERN = f"^[^{CONTROLS}]*$"  # the same, for the OpenAPI schema


def control_character(text: str) -> str | None:
    """The first control character in `text`, said for a person, or None."""
    found = CONTROL_CHARACTERS.search(text)
    if found is None:
        return None
    return f"a control character (U+{ord(found.group()):04X}) at character {found.start() + 1}"


def _plain_text(value: str) -> str:
    found = control_character(value)
    if found:
        raise PydanticCustomError("plain_text", f"plain text only; this has {found}")
    return value


# A name or title: shown escaped wherever it appears.
PlainText = Annotated[
    str,
    Field(max_length=MAX_NAME_LENGTH, json_schema_extra={"pattern": PLAIN_TEXT_PATTERN}),
    AfterValidator(_plain_text),
]
LearningRate = Annotated[float, Field(gt=0, le=MAX_LEARNING_RATE, allow_inf_nan=False)]
AbsoluteTolerance = Annotated[float, Field(ge=0, le=MAX_ABSOLUTE_TOLERANCE, allow_inf_nan=False)]
RelativeTolerance = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


# The compute budget's unit of work (COMPUTE_BUDGET, BUDGET_PER_CLIENT...): one example through
# one parameter of a pass, about 0.3 ns of a core for training (bench/budget.py). A layer of a
# pass or of a gradient step also costs a fixed ~15 us of NumPy and Python calls, whatever its
# size: LAYER_WORK units. That is what a small network trained an example at a time spends its
# time on (2-2-1, 25,000 epochs at batch size 1: 6.65 s of CPU, 900,000 example x parameters).
LAYER_WORK = 50_000
BACKWARD_PASSES = 3  # a backward pass: the forward pass, then dL/dz and dL/dW per layer


def pass_work(examples: int, parameters: int, layers: int, passes: int = 1) -> float:
    """`passes` passes of `examples` examples: examples x parameters + layers x LAYER_WORK each."""
    return passes * (float(examples) * parameters + layers * LAYER_WORK)


def training_work(epochs: int, examples: int, parameters: int, layers: int, steps: int) -> float:
    """epochs x examples x parameters (each example's gradient, and the whole set's loss after
    every epoch) + gradient steps x layers x LAYER_WORK (each step's fixed cost)."""
    return float(epochs) * examples * parameters + float(steps) * layers * LAYER_WORK


def gradient_check_work(examples: int, parameters: int, layers: int) -> float:
    """2 forward passes per parameter: 2 x parameters x (examples x parameters + layers x
    LAYER_WORK)."""
    return 2.0 * parameters * pass_work(examples, parameters, layers)


def gradient_steps(epochs: int, examples: int, batch_size: int | None) -> int:
    """The optimizer steps of `epochs` epochs in batches of `batch_size` (None: all at once)."""
    return epochs * math.ceil(examples / (batch_size or examples))


# An answer's size, counted before the work (MAX_ANSWER_BYTES): a float64 is at most 24
# characters of JSON (-1.2345678901234567e-308), with its comma and a share of its row's
# brackets 28 bytes; a gradient check's entry per parameter (its layer, name, index, three
# numbers and kink flag) at most 200; and 4 kB for the keys around them.
NUMBER_BYTES = 28
CHECKED_PARAMETER_BYTES = 200
ANSWER_FRAME_BYTES = 4096


def answer_bytes(numbers: int, checked_parameters: int = 0) -> int:
    """The most an answer of `numbers` numbers (and gradient-check entries) can take."""
    return (
        numbers * NUMBER_BYTES + checked_parameters * CHECKED_PARAMETER_BYTES + ANSWER_FRAME_BYTES
    )
