"""The walkthrough in a real Chromium: the XOR homework end to end, keyboard, no-JS, history."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.optimizers import sgd_step
from engine.presets import get_preset
from engine.trace import backward

XOR = "/presets/xor-homework"


def shown(value: float) -> str:
    """A number as the page shows it at 3 decimals (the typographic minus sign)."""
    return f"{value:.3f}".replace("-", "\u2212")


def next_step(page: Page) -> None:
    page.get_by_role("link", name="Next step").click()


def expect_step(page: Page, step: str, heading: str | re.Pattern[str]) -> None:
    expect(page).to_have_url(re.compile(rf"[?&]step={re.escape(step)}(&|$)"))
    expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()


def test_the_xor_homework_from_forward_pass_to_update(page: Page, live_server: str) -> None:
    preset = get_preset("xor-homework")
    before = backward(preset.network, preset.inputs, preset.targets)
    assert before.classification is not None
    # The engine's numbers are the homework's true answers.
    assert [shown(v) for v in before.outputs[:, 0]] == ["0.442", "0.589", "0.466", "0.152"]
    assert (shown(before.loss), before.classification.correct) == ("2.043", 3)

    page.goto(f"{live_server}/")
    page.get_by_role("link", name="XOR homework (2-2-1)").first.click()
    expect(page.get_by_role("heading", level=2, name="The inputs")).to_be_visible()
    for step in ("fwd-1-z", "fwd-1-a", "fwd-2-z", "fwd-2-a", "loss"):
        next_step(page)
        expect(page).to_have_url(re.compile(rf"step={step}&"))
    expect_step(page, "loss", "The loss")
    table = page.get_by_role("table", name="Every example")
    for i, y in enumerate(before.outputs[:, 0]):
        row = table.get_by_role("row", name=re.compile(rf"^#{i + 1}\b"))
        expect(row).to_contain_text(shown(y))
    expect(page.locator("#batch-loss")).to_have_text(shown(before.loss))
    expect(page.locator("#correct-count")).to_contain_text("3 of 4 correct")

    # Choose x3 = [1, 0] and go back to the first layer's gradients.
    page.get_by_role("combobox", name="Example").select_option(label="Example 3: x = (1, 0)")
    expect(page).to_have_url(re.compile(r"example=3"))
    page.get_by_role("link", name="Layer 1: ∂L/∂W⁽¹⁾ and ∂L/∂b⁽¹⁾").click()
    expect_step(page, "bwd-1-dw", "Layer 1: ∂L/∂W⁽¹⁾ and ∂L/∂b⁽¹⁾")
    x3 = backward(preset.network, preset.inputs[2:3], preset.targets[2:3])
    equations = page.get_by_role("region", name="Equations")
    for g in x3.layers[0].grad_weights.ravel():
        expect(equations).to_contain_text(shown(g))

    # The update with learning rate 0.2, saved as a new snapshot.
    page.get_by_role("link", name=re.compile(r"The update$")).click()
    expect_step(page, "update", "The update")
    page.get_by_role("textbox", name="Learning rate η").fill("0.2")
    page.get_by_role("button", name="Preview").click()
    expect(page).to_have_url(re.compile(r"lr=0.2"))
    after = backward(sgd_step(preset.network, x3.gradients, 0.2), preset.inputs, preset.targets)
    assert after.classification is not None
    assert (shown(after.loss), after.classification.correct) == ("2.025", 4)
    expect(page.locator("#new-loss")).to_have_text(shown(after.loss))
    page.get_by_role("button", name="Apply the update and save a new snapshot").click()
    expect(page).to_have_url(re.compile(r"/networks/[\w-]{16}\?step=loss&example=all"))
    expect(page.locator("#batch-loss")).to_have_text("2.025")
    expect(page.locator("#correct-count")).to_contain_text("4 of 4 correct")
    expect(page.get_by_role("link", name="the preset")).to_be_visible()  # undo


def test_keyboard_only(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{XOR}?step=input&example=all&precision=3")
    page.keyboard.press("ArrowRight")
    expect_step(page, "fwd-1-z", re.compile(r"weighted sum"))
    page.keyboard.press("ArrowRight")
    expect_step(page, "fwd-1-a", re.compile(r"activation"))
    expect(page.locator("#step-status")).to_have_text(re.compile(r"^Step 3 of 14: Layer 1"))
    page.keyboard.press("ArrowLeft")
    expect_step(page, "fwd-1-z", re.compile(r"weighted sum"))

    for _ in range(20):  # Tab to "Next step", then Enter: the focus stays on it
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "next-step":
            break
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect_step(page, "fwd-1-a", re.compile(r"activation"))
    assert page.evaluate("document.activeElement.id") == "next-step"
    page.keyboard.press("Enter")
    expect_step(page, "fwd-2-z", re.compile(r"Layer 2: weighted sum"))

    # The arrows leave a text field alone.
    page.get_by_role("combobox", name="Precision").focus()
    page.keyboard.press("ArrowRight")
    expect_step(page, "fwd-2-z", re.compile(r"Layer 2: weighted sum"))


@pytest.fixture
def no_js_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    yield context.new_page()
    context.close()


def test_without_javascript_links_and_forms_do_it_all(no_js_page: Page, live_server: str) -> None:
    page = no_js_page
    page.goto(f"{live_server}{XOR}")
    next_step(page)
    expect_step(page, "fwd-1-z", re.compile(r"weighted sum"))
    page.get_by_role("combobox", name="Example").select_option("3")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"step=fwd-1-z&example=3&precision=3"))
    page.get_by_role("link", name="Previous step").click()
    expect_step(page, "input", "The inputs")
    page.get_by_role("link", name=re.compile(r"^Weight from x₂ to h₁,₁ ")).locator(
        ".wlabel"
    ).click()
    field = page.get_by_role("textbox", name=re.compile(r"Weight W⁽¹⁾\[2,1\]"))
    expect(field).to_have_value("0.87")
    field.fill("1.5")
    page.get_by_role("button", name="Save as a new snapshot").click()
    expect(page).to_have_url(re.compile(r"/networks/[\w-]{16}\?step=input&example=3"))
    expect(
        page.get_by_role("link", name=re.compile(r"^Weight from x₂ to h₁,₁ "))
    ).to_have_attribute("aria-label", re.compile(r"1\.500"))


def test_after_an_edit_the_new_snapshots_step_is_in_view(page: Page, live_server: str) -> None:
    # The page was left at its very end (Conventions, Share and export), the step far above.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}{XOR}?step=bwd-2-dw&example=3&precision=3")
    page.get_by_role("link", name=re.compile(r"^Weight from h₁,₁ to ŷ ")).locator(".wlabel").click()
    field = page.get_by_role("textbox", name=re.compile(r"Weight W⁽²⁾\[1,1\]"))
    field.fill("0.5")
    field.press("Enter")
    expect(page).to_have_url(re.compile(r"/networks/[\w-]{16}\?step=bwd-2-dw&example=3"))
    title = page.locator(".step .step-head").first
    expect(title).to_be_in_viewport()


def test_back_and_forward_buttons(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{XOR}?step=input&example=all&precision=3")
    for step in ("fwd-1-z", "fwd-1-a", "fwd-2-z"):
        next_step(page)
        expect(page).to_have_url(re.compile(rf"step={step}&"))
    expect_step(page, "fwd-2-z", re.compile(r"Layer 2: weighted sum"))
    page.go_back()
    expect_step(page, "fwd-1-a", re.compile(r"Layer 1: activation"))
    page.go_back()
    expect_step(page, "fwd-1-z", re.compile(r"Layer 1: weighted sum"))
    page.go_forward()
    expect_step(page, "fwd-1-a", re.compile(r"Layer 1: activation"))
    page.reload()
    expect_step(page, "fwd-1-a", re.compile(r"Layer 1: activation"))


def test_editing_a_weight_good_and_bad_values(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{XOR}?step=fwd-1-z&example=3&precision=3")
    edge = page.get_by_role("link", name=re.compile(r"^Weight from x₁ to h₁,₁ \(layer 1\): 0\.790"))
    edge.locator(".wlabel").click()  # the weight's label, as a student clicks it
    field = page.get_by_role("textbox", name=re.compile(r"Weight W⁽¹⁾\[1,1\], from x₁ to h₁,₁"))
    expect(field).to_be_focused()
    field.fill("abc")
    field.press("Enter")
    expect(page.get_by_text("abc is not a number")).to_be_visible()
    expect(field).to_have_value("abc")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert "/presets/xor-homework" in page.url  # nothing saved, nothing lost
    field.fill("0.5")
    field.press("Enter")
    expect(page).to_have_url(re.compile(r"/networks/[\w-]{16}\?step=fwd-1-z&example=3&precision=3"))
    equations = page.get_by_role("region", name="Equations")
    expect(equations).to_contain_text("0.600")  # z1 = 1 x 0.5 + 0 x 0.87 + 0.1
    page.get_by_role("link", name="the preset").click()
    expect(page).to_have_url(re.compile(r"/presets/xor-homework\?step=fwd-1-z&example=3"))
    expect(equations).to_contain_text("0.890")


def focus_lands_in_the_page(page: Page) -> None:
    """Waits (the landing is chosen once the swap has settled) until the focus is not on body."""
    page.wait_for_function("document.activeElement && document.activeElement !== document.body")


def test_the_focus_stays_in_the_page_when_its_element_goes(page: Page, live_server: str) -> None:
    """Cancel and Apply remove the control that had the focus: it lands around it, not on the
    page's start (the next Tab once went to the footer or the outline)."""
    page.goto(f"{live_server}{XOR}?step=fwd-1-z&example=3&precision=3")
    edge = page.get_by_role("link", name=re.compile(r"^Weight from x₁ to h₁,₁ \(layer 1\): 0\.790"))
    edge.locator(".wlabel").click()
    expect(page).to_have_url(re.compile(r"edit=w-1-1-1"))
    cancel = page.get_by_role("link", name="Cancel")
    cancel.focus()
    page.keyboard.press("Enter")
    expect(cancel).to_have_count(0)
    expect(page).not_to_have_url(re.compile(r"edit="))  # a reload does not reopen the editor
    focus_lands_in_the_page(page)

    page.goto(f"{live_server}{XOR}?step=update&example=3&precision=3&lr=0.2")
    apply = page.get_by_role("button", name="Apply the update and save a new snapshot")
    apply.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/networks/[\w-]{16}\?step=loss"))
    focus_lands_in_the_page(page)


def test_on_a_phone_the_graph_shows_the_layer_the_step_is_about(
    browser: Browser, live_server: str
) -> None:
    """The graph is wider than a phone and scrolls; at the output's steps it once showed only
    the inputs and the first layer."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server}{XOR}?step=bwd-out&example=3&precision=3")
        box = page.locator(".graph-scroll")
        header = box.locator(".col-title.is-active")
        expect(header).to_have_count(1)
        inside = (
            "([box, el]) => { const b = box.getBoundingClientRect(), "
            "a = el.getBoundingClientRect(); return a.left >= b.left && a.right <= b.right; }"
        )
        assert page.evaluate(inside, [box.element_handle(), header.element_handle()])
        page.get_by_role("link", name="Previous step").click()  # an htmx swap, then again
        expect_step(page, "loss", "The loss")
        page.get_by_role("link", name="Previous step").click()
        expect_step(page, "fwd-2-a", re.compile(r"Layer 2: activation"))
        header = page.locator(".graph-scroll .col-title.is-active")
        expect(header).to_have_count(1)
        # The graph pans once the swap has settled: wait for it (a check right after the
        # click could run before the swap, on a machine under load).
        for _ in range(50):
            if page.evaluate(inside, [box.element_handle(), header.element_handle()]):
                break
            page.wait_for_timeout(100)
        else:
            raise AssertionError("the active layer's column never came into the graph's view")
    finally:
        context.close()
