"""The home page's build form: a typed matrix that does not fit the sizes is named as typed."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.app.pages import BUILD_FORM


def field_error(html: str, field: str) -> str | None:
    match = re.search(rf'<p class="message is-error" id="{field}-error">([^<]*)</p>', html)
    return None if match is None else match.group(1).replace("&#39;", "'")


def build(client: TestClient, **fields: str) -> str:
    r = client.post("/build", data={**BUILD_FORM, **fields})
    assert r.status_code == 422
    return r.text


def test_weights_that_do_not_fit_the_sizes_are_named_not_a_bias_nobody_typed(
    client: TestClient,
) -> None:
    page = build(client, sizes="2, 3, 1", weights="[[[0.1, 0.2], [0.3, 0.4]], [[1], [2], [3]]]")
    message = field_error(page, "weights")
    assert message == (
        "Layer 1's weights are 2×2, but the sizes 2, 3, 1 need 2×3 "
        "(a row per input, a column per unit)."
    )
    assert field_error(page, "biases") is None and "bias" not in message
    assert 'aria-describedby="weights-error"' in page  # the field points at its message


def test_a_typed_bias_of_the_wrong_length_is_the_biases_fields(client: TestClient) -> None:
    page = build(
        client,
        sizes="2, 3, 1",
        weights="[[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], [[1], [2], [3]]]",
        biases="[[0, 0], [0]]",
    )
    assert field_error(page, "weights") is None
    assert field_error(page, "biases") == (
        "Layer 1's bias has 2 values, but the sizes 2, 3, 1 say layer 1 has 3 units."
    )


def test_the_layout_out_in_is_named_with_its_rows_and_columns(client: TestClient) -> None:
    page = build(
        client,
        sizes="2, 3, 1",
        layout="out_in",
        weights="[[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], [[1, 2, 3]]]",
    )
    assert field_error(page, "weights") == (
        "Layer 1's weights are 2×3, but the sizes 2, 3, 1 need 3×2 "
        "(a row per unit, a column per input, layout out_in)."
    )


def test_too_few_matrices_or_bias_lists_say_how_many(client: TestClient) -> None:
    page = build(client, sizes="2, 3, 1", weights="[[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]]")
    assert field_error(page, "weights") == (
        "The sizes 2, 3, 1 give 2 layers, so give 2 weight matrices, not 1."
    )


def test_a_data_set_the_loss_is_not_defined_for_is_refused_inline(client: TestClient) -> None:
    page = build(client, dataset="plane")  # a regression's targets, with cross-entropy
    message = field_error(page, "dataset")
    assert message is not None and "binary cross-entropy takes targets from 0 to 1" in message
    assert "linear output with squared error" in message


WEIGHTS = "[[[0.1, 0.2], [0.3, 0.4]], [[1], [2]]]"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        # A 400-digit integer was a 500 (OverflowError) that lost the whole form.
        ({"weights": f"[[[{'9' * 400}, 1], [1, 2]], [[1], [2]]]"}, "weights", "too large"),
        ({"weights": WEIGHTS, "biases": f"[[{'9' * 400}, 1], [1]]"}, "biases", "too large"),
        # Saved, listed, then shown only as "This network cannot be shown".
        (
            {"weights": "[[[1e308, 1e308], [1e308, 1e308]], [[1e308], [1e308]]]"},
            "weights",
            "cannot be computed",
        ),
        ({"weights": WEIGHTS, "biases": "[[[1], [2]], [0]]"}, "biases", "layer 1 bias"),
        ({"sizes": "2, -3, 1"}, "sizes", "whole numbers"),  # it built 2-3-1
        ({"weights": "[[[true, 0], [0, 1]], [[1], [2]]]"}, "weights", "not true or false"),
        ({"biases": "[[0, 0], [0]]"}, "biases", "Type the weights too"),  # silently dropped
        ({"seed": "2147483648"}, "seed", "from 0 to 2147483647"),  # taken as 10**9
    ],
)
def test_what_the_build_form_cannot_use_is_named_at_its_field(
    client: TestClient, fields: dict[str, str], field: str, message: str
) -> None:
    page = build(client, sizes=fields.pop("sizes", "2, 2, 1"), **fields)
    said = field_error(page, field)
    assert said is not None and message in said, (field, said)


def test_every_ten_digit_seed_draws_its_own_network(client: TestClient) -> None:
    made = [
        client.post("/build", data={**BUILD_FORM, "seed": seed}, follow_redirects=False)
        for seed in ("1234567890", "2000000000")
    ]
    urls = [r.headers["location"].split("?")[0].split("#")[0] for r in made]
    weights = [client.get(f"{url}/network.json").json()["network"]["layers"] for url in urls]
    assert weights[0] != weights[1]  # both were drawn from seed 10**9


def test_a_file_with_a_byte_order_mark_imports(client: TestClient) -> None:
    doc = client.get("/presets/xor-homework/network.json").content
    r = client.post(
        "/import", files={"file": ("n.json", b"\xef\xbb\xbf" + doc, "application/json")}
    )
    assert r.status_code == 200 and "/networks/" in str(r.url), r.text[:300]
