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


def training_work(epochs: int, examples: int, parameters: int) -> float:
    """What training costs, in COMPUTE_BUDGET's unit: epochs x examples x parameters."""
    return float(epochs) * examples * parameters


def gradient_steps(epochs: int, examples: int, batch_size: int | None) -> int:
    """The optimizer steps of `epochs` epochs in batches of `batch_size` (None: all at once)."""
    return epochs * math.ceil(examples / (batch_size or examples))
