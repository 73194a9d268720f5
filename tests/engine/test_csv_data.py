"""A user's CSV data: parsed exactly, refused with the line and the reason."""

from __future__ import annotations

import numpy as np
import pytest

from engine.csv_data import parse_csv, split, to_csv
from engine.errors import EngineError

GOOD = "x1,x2,label\n0,0,0\n0,1,1\n\n1, 0 ,1\n1,1,0\n-0.5,2.5e-1,1\n"


def test_a_header_and_blank_lines_are_skipped() -> None:
    x, t = parse_csv(GOOD)
    np.testing.assert_array_equal(x, [[0, 0], [0, 1], [1, 0], [1, 1], [-0.5, 0.25]])
    np.testing.assert_array_equal(t, [[0], [1], [1], [0], [1]])


def test_the_canonical_text_round_trips() -> None:
    x, t = parse_csv(GOOD)
    x2, t2 = parse_csv(to_csv(x, t))
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(t, t2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least 4 rows"),
        ("0,0,0\n0,1,1\n", "at least 4 rows"),
        ("0,0,0\n0,1\n", "line 2: expected 3 values"),
        ("0,0,0\n0,x,1\n", "line 2: 'x' is not a number"),
        ("0,0,0\n0,1,0.5\n", "line 2: the label must be 0 or 1"),
        ("0,0,0\n0,nan,1\n", "line 2: numbers must be finite"),
        ("0,0,0\n1e308,0,1\n", "line 2: numbers must be from -1,000,000 to 1,000,000"),
        ("0,0,0\n0,-1000000.5,1\n", "line 2: numbers must be from -1,000,000 to 1,000,000"),
        ("a,1,b\n", "line 1: 'a' is not a number"),
        ("0,0,0\n" * 5, "at most 4 rows of data, got 5"),
    ],
)
def test_bad_files_are_refused_with_the_line(text: str, message: str) -> None:
    with pytest.raises(EngineError, match=message) as info:
        parse_csv(text, max_rows=4)
    assert info.value.loc == ("csv",)


def test_split_is_seeded_and_keeps_enough_to_train() -> None:
    x, t = parse_csv("\n".join(f"{i},{i},{i % 2}" for i in range(10)))
    a, b = split(x, t, 0.3, 7), split(x, t, 0.3, 7)
    np.testing.assert_array_equal(a.test_inputs, b.test_inputs)
    assert a.inputs.shape == (7, 2) and a.test_targets.shape == (3, 1)
    with pytest.raises(EngineError, match="leaves 3 of 10"):
        split(x, t, 0.7, 0)
