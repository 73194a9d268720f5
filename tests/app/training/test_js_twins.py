"""Every name the engine's registries give the training page has its twin in static/trainer.js.

The Python registry entry stays the one place an activation (or loss, optimizer, feature,
regularisation) is defined; trainer.js holds the same formula in hand-written JavaScript for
the browser's training loop. This test fails, in the fast suite, as soon as an entry the page
offers has no JavaScript twin; tests/browser/test_js_trainer.py then holds every twin to the
engine's numbers in Chromium.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.training.settings import HIDDEN_ACTIVATIONS, LOSS_NAMES
from engine.features import FEATURES
from engine.losses import REDUCTIONS
from engine.optimizers import RULES
from engine.regularization import KINDS

TRAINER = Path(__file__).resolve().parents[3] / "static" / "trainer.js"


def js_names(table: str) -> set[str]:
    """The keys of `var TABLE = { ... };` in trainer.js (its entries are indented 4 spaces)."""
    source = TRAINER.read_text()
    match = re.search(rf"\n  var {table} = \{{\n(.*?)\n  \}};", source, re.S)
    assert match, f"no {table} table in trainer.js"
    return set(re.findall(r"^    (\w+):", match.group(1), re.M))


@pytest.mark.parametrize(
    ("table", "names"),
    [
        ("ACTIVATIONS", HIDDEN_ACTIVATIONS),
        ("LOSSES", LOSS_NAMES),
        ("REDUCTIONS", tuple(REDUCTIONS)),
        ("OPTIMIZERS", tuple(RULES)),
        ("FEATURES", tuple(FEATURES)),
        ("REGULARIZATIONS", tuple(KINDS)),
    ],
)
def test_every_entry_the_page_offers_has_a_javascript_twin(
    table: str, names: tuple[str, ...]
) -> None:
    missing = set(names) - js_names(table)
    assert not missing, (
        f"static/trainer.js has no {table} entry for {sorted(missing)}: add its formula there "
        "too (docs/architecture.md, 'Adding an activation')"
    )


def test_the_features_come_in_the_same_order() -> None:
    source = TRAINER.read_text()
    block = re.search(r"\n  var FEATURES = \{\n(.*?)\n  \};", source, re.S)
    assert block is not None
    assert re.findall(r"^    (\w+):", block.group(1), re.M) == list(FEATURES)
