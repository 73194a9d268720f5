"""The walkthrough's view state, read from the URL: step, example, precision, learning rate, edit.

Limits live on the Pydantic fields; what depends on the network (step ids, the number of
examples, parameter shapes) is checked against it afterwards. Every refusal is a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.notation.numbers import DEFAULT_PRECISION, MAX_PRECISION, MIN_PRECISION, typed_number
from app.rules import MAX_LEARNING_RATE, LearningRate
from app.web.errors import PageError
from engine.network import Network
from engine.steps import Step, walkthrough_steps

EDIT_PATTERN = r"^(w-\d{1,3}-\d{1,4}-\d{1,4}|b-\d{1,3}-\d{1,4})$"


class StateQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    step: str = Field("input", max_length=40)
    example: str = Field("all", max_length=12)
    precision: int = Field(DEFAULT_PRECISION, ge=MIN_PRECISION, le=MAX_PRECISION)
    lr: LearningRate | None = None
    edit: str | None = Field(None, pattern=EDIT_PATTERN)

    @field_validator("lr", mode="before")
    @classmethod
    def _typed(cls, value: object) -> object:
        """As typed in the update's field: "0,2" is 0.2, like every number a page reads."""
        number = typed_number(value) if isinstance(value, str) else None
        return value if number is None else number


@dataclass(frozen=True)
class State:
    step: str = "input"
    example: int | None = None  # 1-based; None = the whole batch
    precision: int = DEFAULT_PRECISION
    lr: float | None = None  # None: the preset's exercise value, else the default
    edit: str | None = None  # the parameter whose edit field is open, e.g. "w-1-2-1"

    def query(self, **changes: object) -> str:
        """The canonical query string of this state with `changes` applied."""
        s = replace(self, **changes)  # type: ignore[arg-type]
        # NOTE: every value is a validated step id, number or edit key (URL-safe characters
        # only), so a plain join is the encoding; it is on the hot path (every link of a page).
        example = "all" if s.example is None else s.example
        query = f"step={s.step}&example={example}&precision={s.precision}"
        if s.lr is not None:
            query += f"&lr={format_lr(s.lr)}"
        if s.edit is not None:
            query += f"&edit={s.edit}"
        return query


def format_lr(lr: float) -> str:
    return f"{lr:g}" if float(f"{lr:g}") == lr else repr(lr)


class StateError(PageError):
    """The URL asks for a view this network does not have; `messages` say why, one per field."""

    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__(400, "This view does not exist", list(messages.values()))
        self.by_field = messages


def _message(field: str, value: object, n_examples: int) -> str:
    shown = repr(value) if isinstance(value, str) else value
    return {
        "step": f"There is no step {shown}. Pick one from the outline.",
        "example": (f"example must be all or a number from 1 to {n_examples}, got {shown}."),
        "precision": (
            f"precision must be a whole number from {MIN_PRECISION} to {MAX_PRECISION}, "
            f"got {shown}."
        ),
        "lr": (
            f"The learning rate must be a number above 0 and at most {MAX_LEARNING_RATE:g}, "
            f"got {shown}."
        ),
        "edit": f"There is no parameter {shown} to edit.",
    }[field]


ON_ITS_EXAMPLE = ("backward", "update")  # the phases a preset's exercise example opens on


def example_default(step: Step, exercise_example: int | None) -> int | None:
    """The example a step opens on when the URL names none: an exercise's own example for the
    backward pass and the update (what the homework back-propagates), else every example."""
    return exercise_example if step.phase in ON_ITS_EXAMPLE else None


def parse(
    query: Mapping[str, str], net: Network, n_examples: int, exercise_example: int | None = None
) -> State:
    """The state a query string asks for, or StateError naming every bad field.

    Without `example=`, the backward and update steps of a network with exercise settings
    (`exercise_example`) open on that example; every other step on all of them.
    """
    raw = {k: v for k, v in query.items() if k in StateQuery.model_fields and v.strip() != ""}
    errors: dict[str, str] = {}
    try:
        q = StateQuery.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            field = str(err["loc"][0])
            errors[field] = _message(field, raw.get(field), n_examples)
        good = {k: v for k, v in raw.items() if k not in errors}
        q = StateQuery.model_validate(good)
    steps = {s.id: s for s in walkthrough_steps(len(net.layers), bool(net.features))}
    if "step" not in errors and q.step not in steps:
        errors["step"] = _message("step", q.step, n_examples)
    example: int | None = None
    if "example" not in raw and q.step in steps and exercise_example is not None:
        example = example_default(steps[q.step], min(exercise_example, n_examples))
    elif "example" not in errors and q.example != "all":
        if not re.fullmatch(r"\d{1,6}", q.example) or not 1 <= int(q.example) <= n_examples:
            errors["example"] = _message("example", q.example, n_examples)
        else:
            example = int(q.example)
    if "edit" not in errors and q.edit is not None and param_index(net, q.edit) is None:
        errors["edit"] = _message("edit", q.edit, n_examples)
    if errors:
        raise StateError(errors)
    return State(q.step, example, q.precision, q.lr, q.edit)


VIEWS = ("step", "all")  # one step at a time, or every step on one printable page


def view_of(query: Mapping[str, str]) -> str:
    """`view=`: "step" (the default) or "all"; anything else is a StateError naming it."""
    view = query.get("view", "").strip() or "step"
    if view not in VIEWS:
        shown = repr(view[:40])
        raise StateError(
            {"view": f"view must be step or all (every step on one page), got {shown}."}
        )
    return view


def all_steps_query(state: State, chosen: bool) -> str:
    """The canonical query of the page of every step: the example only when one was chosen
    (else each step shows its own default), the precision, the learning rate if given."""
    query = "view=all"
    if chosen:
        query += f"&example={'all' if state.example is None else state.example}"
    query += f"&precision={state.precision}"
    if state.lr is not None:
        query += f"&lr={format_lr(state.lr)}"
    return query


def parse_view(
    fields: Mapping[str, str], net: Network, n_examples: int, exercise_example: int | None = None
) -> tuple[State, str]:
    """The state asked for, and what is wrong with its learning rate, if anything.

    A bad learning rate was typed, not linked: the page stays (with the default rate) and
    says so next to the field. Anything else wrong raises StateError.
    """
    try:
        return parse(fields, net, n_examples, exercise_example), ""
    except StateError as exc:
        if set(exc.by_field) != {"lr"}:
            raise
        return parse({**fields, "lr": ""}, net, n_examples, exercise_example), exc.by_field["lr"]


def param_index(net: Network, key: str) -> tuple[int, int, tuple[int, ...]] | None:
    """(layer 0-based, 0 weights / 1 bias, index 0-based) of an edit key, if the net has it."""
    parts = key.split("-")
    try:
        numbers = [int(p) for p in parts[1:]]
    except ValueError:
        return None
    if parts[0] == "w" and len(numbers) == 3:
        layer, i, j = numbers
        if 1 <= layer <= len(net.layers):
            w = net.layers[layer - 1].weights
            if 1 <= i <= w.shape[0] and 1 <= j <= w.shape[1]:
                return layer - 1, 0, (i - 1, j - 1)
    if parts[0] == "b" and len(numbers) == 2:
        layer, j = numbers
        if 1 <= layer <= len(net.layers) and 1 <= j <= net.layers[layer - 1].n_out:
            return layer - 1, 1, (j - 1,)
    return None
