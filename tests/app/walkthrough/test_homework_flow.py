"""The homework's own flow through TestClient: its backward steps open on its example, and
every backward step says which example it is about (issue 13, item 1)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.walkthrough.view import step_title
from engine.presets import get_preset
from engine.steps import walkthrough_steps
from engine.trace import backward
from tests.app.pages import HX, csp_problems

XOR = "/presets/xor-homework"
MINUS = "\u2212"


def shown(value: float) -> str:
    return f"{value:.3f}".replace("-", MINUS)


def attr(html: str, name: str) -> str:
    match = re.search(rf'<div id="walkthrough"[^>]* {name}="([^"]*)"', html)
    assert match, name
    return match.group(1)


def link(html: str, element_id: str) -> str:
    tag = re.search(rf'<a [^>]*id="{element_id}"[^>]*>', html)
    assert tag, element_id
    href = re.search(r' href="([^"]*)"', tag.group(0))
    assert href, element_id
    return href.group(1).replace("&amp;", "&")


def about(html: str) -> str:
    match = re.search(r'<p class="about-example" id="about-example">(.*?)</p>', html, re.S)
    assert match, "no line says which example the step is about"
    return match.group(1)


def test_the_homeworks_backward_steps_open_on_example_3(client: TestClient) -> None:
    preset = get_preset("xor-homework")
    x3 = backward(preset.network, preset.inputs[2:3], preset.targets[2:3])
    batch = backward(preset.network, preset.inputs, preset.targets)
    r = client.get(f"{XOR}?step=bwd-2-dw")
    assert r.status_code == 200 and attr(r.text, "data-example") == "3"
    equations = r.text.split('aria-label="Equations"')[1].split("</section>")[0]
    for g in x3.layers[1].grad_weights.ravel():  # the homework's (-0.4754, -0.1175)
        assert shown(g) in equations
    for g in batch.layers[1].grad_weights.ravel():  # not the batch's (-0.5618, 0.0805)
        assert shown(g) not in equations
    assert "Example 3 alone" in about(r.text)
    assert link(r.text, "other-example") == f"{XOR}?step=bwd-2-dw&example=all&precision=3"


def test_forward_steps_and_the_loss_stay_on_every_example(client: TestClient) -> None:
    for step in ("input", "fwd-1-z", "fwd-2-a", "loss"):
        r = client.get(f"{XOR}?step={step}")
        assert attr(r.text, "data-example") == "all", step
        assert 'id="about-example"' not in r.text, step


def test_every_backward_step_says_which_example_and_links_to_the_other(
    client: TestClient,
) -> None:
    steps = walkthrough_steps(2)
    for s in steps:
        if s.phase not in ("backward", "update"):
            continue
        own = client.get(f"{XOR}?step={s.id}").text
        assert "Example 3 alone: x = (1, 0), target t = 1" in about(own), s.id
        assert link(own, "other-example").endswith(f"step={s.id}&example=all&precision=3")
        batch = client.get(f"{XOR}?step={s.id}&example=all").text
        assert about(batch).startswith("All 4 examples: every gradient on this step is summed")
        assert link(batch, "other-example").endswith(f"step={s.id}&example=3&precision=3")
        assert step_title(s, 2) in own


def test_next_from_the_loss_opens_example_3_and_previous_goes_back_to_the_batch(
    client: TestClient,
) -> None:
    loss = client.get(f"{XOR}?step=loss&example=all&precision=3").text
    assert link(loss, "next-step") == f"{XOR}?step=bwd-out&example=3&precision=3"
    out = client.get(f"{XOR}?step=bwd-out&example=3&precision=3").text
    assert link(out, "prev-step") == f"{XOR}?step=loss&example=all&precision=3"
    assert link(out, "next-step") == f"{XOR}?step=bwd-2-dz&example=3&precision=3"
    # A choice the user made is kept from step to step: the batch backward, example 2 forward.
    chosen = client.get(f"{XOR}?step=bwd-out&example=all&precision=3").text
    assert link(chosen, "prev-step") == f"{XOR}?step=loss&example=all&precision=3"
    assert link(chosen, "next-step") == f"{XOR}?step=bwd-2-dz&example=all&precision=3"
    two = client.get(f"{XOR}?step=loss&example=2&precision=3").text
    assert link(two, "next-step") == f"{XOR}?step=bwd-out&example=2&precision=3"


def test_the_default_view_has_the_canonical_urls_etag(client: TestClient) -> None:
    bare = client.get(f"{XOR}?step=bwd-1-dw")
    canonical = client.get(f"{XOR}?step=bwd-1-dw&example=3&precision=3")
    assert bare.headers["etag"] == canonical.headers["etag"]
    assert bare.headers["etag"] != client.get(f"{XOR}?step=bwd-1-dw&example=all").headers["etag"]


def test_a_preset_without_exercise_settings_stays_on_the_batch(client: TestClient) -> None:
    r = client.get("/presets/xor-random?step=bwd-1-dw")
    assert attr(r.text, "data-example") == "all"
    assert about(r.text).startswith("All 4 examples: every gradient on this step is averaged")
    assert link(r.text, "other-example").endswith("step=bwd-1-dw&example=1&precision=3")


# --- item 4: a snapshot keeps its parent's example and learning rate -------------------------


def snapshot_url(response_location: str) -> str:
    return response_location.split("?")[0]


def lr_field(html: str) -> str:
    match = re.search(r'<input id="lr" name="lr"[^>]* value="([^"]*)"', html)
    assert match, "no learning-rate field"
    return match.group(1)


def test_an_edit_of_the_preset_keeps_example_3_and_learning_rate_0_2(client: TestClient) -> None:
    form = {"param": "w-1-1-1", "value": "0.8", "step": "fwd-1-z", "example": "all"}
    edited = client.post(f"{XOR}/edit", data=form, follow_redirects=False)
    child = snapshot_url(edited.headers["location"])
    update = client.get(f"{child}?step=update").text
    assert attr(update, "data-example") == "3" and lr_field(update) == "0.2"
    assert "Plain gradient descent with example 3" in update
    assert f"{child}/walkthrough.py?example=3&amp;precision=3&amp;lr=0.2" in update
    script = client.get(f"{child}/walkthrough.py?example=3").text
    assert re.search(r"^LR = 0\.2 ", script, re.M), "the exported script's learning rate"
    # An edit of the snapshot, and an update of that, keep them too.
    again = client.post(f"{child}/edit", data={**form, "param": "b-2-1"}, follow_redirects=False)
    grandchild = snapshot_url(again.headers["location"])
    updated = client.post(
        f"{grandchild}/update", data={"example": "3", "lr": "0.2"}, follow_redirects=False
    )
    last = snapshot_url(updated.headers["location"])
    for url in (grandchild, last):
        page = client.get(f"{url}?step=update").text
        assert attr(page, "data-example") == "3" and lr_field(page) == "0.2", url


def test_an_edit_keeps_a_learning_rate_the_student_typed(client: TestClient) -> None:
    # The editor's form carried the step, example and precision but not lr: the new snapshot
    # opened at the preset's 0.2 after the student had previewed 0.5.
    page = client.get(f"{XOR}?step=update&example=3&lr=0.5&edit=w-1-1-1").text
    editor = page.split('<form id="edit"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', editor))
    assert fields["lr"] == "0.5"
    form = {**fields, "value": "0.8"}
    edited = client.post(f"{XOR}/edit", data=form, follow_redirects=False)
    assert "lr=0.5" in edited.headers["location"]
    child = client.get(edited.headers["location"]).text
    assert lr_field(child) == "0.5"


def test_a_learning_rate_typed_with_a_comma_gets_the_views_one_url(client: TestClient) -> None:
    page = client.get(f"{XOR}?step=update&example=3&precision=3&lr=0,5", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"{XOR}?step=update&example=3&precision=3&lr=0.5"
    swapped = client.get(f"{XOR}?step=update&example=3&lr=0%2C5", headers=HX)
    assert swapped.status_code == 200 and lr_field(swapped.text) == "0.5"
    assert swapped.headers["hx-push-url"].endswith("step=update&example=3&precision=3&lr=0.5")
    plain = client.get(f"{XOR}?step=update&example=3&lr=0.5", headers=HX)
    assert "hx-push-url" not in plain.headers  # already the view's URL: htmx pushes it


def test_a_snapshot_made_without_settings_has_none(client: TestClient) -> None:
    made = client.post("/presets/xor-random/edit", data={"param": "b-2-1", "value": "1"})
    page = client.get(f"{str(made.url).split('?')[0]}?step=update").text
    assert attr(page, "data-example") == "all" and lr_field(page) == "0.1"


# --- item 13: every step on one printable page ----------------------------------------------


def articles(html: str) -> list[tuple[str, str]]:
    """(step id, the section's html) of each step on the page of every step, in order."""
    parts = re.split(r'<article class="step print-step[^"]*" id="s-([\w-]+)"', html)[1:]
    return [(parts[i], parts[i + 1].split("</article>")[0]) for i in range(0, len(parts), 2)]


def test_every_step_on_one_page_in_order_with_the_homeworks_numbers(client: TestClient) -> None:
    preset = get_preset("xor-homework")
    x3 = backward(preset.network, preset.inputs[2:3], preset.targets[2:3])
    batch = backward(preset.network, preset.inputs, preset.targets)
    r = client.get(f"{XOR}?view=all")
    assert r.status_code == 200 and csp_problems(r.text) == []
    steps = walkthrough_steps(2)
    found = articles(r.text)
    assert [step for step, _ in found] == [s.id for s in steps]
    for (step_id, html), (k, s) in zip(found, enumerate(steps), strict=True):
        assert f"Step {k + 1} of 14" in html and step_title(s, 2) in html, step_id
        assert "<form" not in html and 'id="edit' not in html  # nothing to fill in on paper
        assert ("example 3" in html) == (s.phase in ("backward", "update")), step_id
    ids = re.findall(r' id="([^"]+)"', r.text)
    assert len(ids) == len(set(ids)), "ids repeat"
    sections = dict(found)
    for g in x3.layers[1].grad_weights.ravel():  # step 9 asks example 3's (-0.4754, -0.1175)
        assert shown(g) in sections["bwd-2-dw"]
    assert f"L = {shown(batch.loss)}</text>" in sections["loss"]  # the loss on every example
    assert re.search(r'2\.043</span> → <strong id="new-loss"[^>]*>2\.025<', sections["update"])
    # Linked from the step view, as the step's own example and learning rate would have it.
    step = client.get(f"{XOR}?step=bwd-2-dw").text
    assert f'href="{XOR}?view=all&amp;precision=3" id="all-steps"' in step
    chosen = client.get(f"{XOR}?step=bwd-2-dw&example=all&precision=4").text
    assert f'href="{XOR}?view=all&amp;example=all&amp;precision=4" id="all-steps"' in chosen


def test_every_step_on_one_example_when_one_is_chosen(client: TestClient) -> None:
    preset = get_preset("xor-homework")
    batch = backward(preset.network, preset.inputs, preset.targets)
    sections = dict(articles(client.get(f"{XOR}?view=all&example=all&precision=3").text))
    for g in batch.layers[1].grad_weights.ravel():  # the batch's (-0.5618, 0.0805)
        assert shown(g) in sections["bwd-2-dw"]
    assert "example 3" not in "".join(sections.values())


def test_the_page_of_every_step_is_cached_and_refuses_bad_views(client: TestClient) -> None:
    bare = client.get(f"{XOR}?view=all")
    assert bare.headers["etag"] == client.get(f"{XOR}?view=all&precision=3").headers["etag"]
    assert bare.headers["etag"] != client.get(f"{XOR}?view=all&example=3").headers["etag"]
    again = client.get(f"{XOR}?view=all", headers={"If-None-Match": bare.headers["etag"]})
    assert again.status_code == 304
    bad = client.get(f"{XOR}?view=pages")
    assert bad.status_code == 400 and "view must be step or all" in bad.text
    assert client.get(f"{XOR}?view=all&lr=oops").status_code == 400
    swapped = client.get(f"{XOR}?view=all", headers=HX)  # never swapped into a step's place
    assert swapped.headers["hx-redirect"] == f"{XOR}?view=all&precision=3"


def test_a_short_graph_comes_before_its_equations_and_a_tall_one_after(
    client: TestClient,
) -> None:
    def order(url: str) -> tuple[int, int]:
        html = client.get(url).text
        return html.index('<figure class="graph-figure'), html.index('aria-label="Equations"')

    graph, equations = order(f"{XOR}?step=bwd-2-dw")
    assert graph < equations  # pinned above them on a wide screen
    assert 'class="graph-figure can-pin"' in client.get(f"{XOR}?step=bwd-2-dw").text
    graph, equations = order("/presets/spiral-two-hidden?step=bwd-3-dw&example=1")
    assert equations < graph  # a screen-tall graph would push them a screen away
