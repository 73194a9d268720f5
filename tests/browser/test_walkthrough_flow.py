"""The homework's own flow in Chromium (issue 13): the view's selects apply on a choice, not on
every ArrowDown; the layout at 1280x800 and 390x844; the printable page of every step."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, Request, expect
from pypdf import PdfReader

from tests.browser.a11y import serious_violations

XOR = "/presets/xor-homework"


def views_requested(page: Page) -> list[str]:
    """Every walkthrough view the page asks the server for from now on."""
    asked: list[str] = []

    def seen(request: Request) -> None:
        if re.search(r"/presets/xor-homework\?", request.url):
            asked.append(request.url)

    page.on("request", seen)
    return asked


def test_next_from_the_loss_opens_example_3_and_says_so(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{XOR}?step=loss")
    expect(page.locator("#walkthrough")).to_have_attribute("data-example", "all")
    page.get_by_role("link", name="Next step").click()
    expect(page).to_have_url(re.compile(r"step=bwd-out&example=3&precision=3$"))
    expect(page.get_by_text("Example 3 alone: x = (1, 0), target t = 1")).to_be_visible()
    page.get_by_role("link", name="Next step").click()
    page.get_by_role("link", name="Next step").click()  # step 9, still on example 3
    expect(page).to_have_url(re.compile(r"step=bwd-2-dw&example=3&precision=3$"))
    equations = page.get_by_role("region", name="Equations")
    expect(equations).to_contain_text("−0.475")  # the homework's dL/dW2 (-0.4754, -0.1175)
    expect(equations).to_contain_text("−0.118")
    page.get_by_role("link", name="Show all 4 examples (summed)").click()
    expect(page).to_have_url(re.compile(r"step=bwd-2-dw&example=all&precision=3$"))
    expect(equations).to_contain_text("−0.562")  # the batch's (-0.5618, 0.0805)
    expect(page.get_by_role("link", name=re.compile(r"^Show example 3 alone"))).to_be_visible()


def test_arrow_keys_in_the_example_select_load_nothing_until_enter(
    page: Page, live_server: str
) -> None:
    page.goto(f"{live_server}{XOR}?step=bwd-2-dw&example=3&precision=3")
    asked = views_requested(page)
    example = page.get_by_role("combobox", name="Example")
    example.focus()
    page.keyboard.press("ArrowUp")  # example 2
    page.keyboard.press("ArrowUp")  # example 1
    expect(example).to_have_value("1")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"step=bwd-2-dw&example=1&precision=3$"))
    expect(page.locator("#walkthrough")).to_have_attribute("data-example", "1")
    assert len(asked) == 1, asked  # one view, not one per option passed
    # Leaving the field applies what the keys chose, once.
    precision = page.get_by_role("combobox", name="Precision")
    precision.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    expect(page).to_have_url(re.compile(r"example=1&precision=5$"))
    expect(page.locator("#walkthrough")).to_have_attribute("data-precision", "5")
    assert len(asked) == 2, asked
    # A choice made at once (the mouse, a screen reader) still applies at once.
    page.get_by_role("combobox", name="Example").select_option("all")
    expect(page).to_have_url(re.compile(r"example=all&precision=5$"))
    assert len(asked) == 3, asked


# --- 1280x800: the new step's title under the controls, the graph and equations in view ------


def box(page: Page, locator: Locator) -> dict[str, float]:
    b = locator.bounding_box()
    assert b is not None, locator
    return {
        "top": b["y"],
        "bottom": b["y"] + b["height"],
        "left": b["x"],
        "right": b["x"] + b["width"],
    }


def within(inner: dict[str, float], top: float, bottom: float) -> bool:
    return top - 0.5 <= inner["top"] and inner["bottom"] <= bottom + 0.5


def test_on_a_desktop_next_shows_the_title_the_graph_and_the_equations(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{live_server}{XOR}?step=bwd-2-dz&example=3&precision=3")
        page.get_by_role("link", name="Next step").click()
        title = page.get_by_role("heading", level=2, name="Layer 2: ∂L/∂W⁽²⁾ and ∂L/∂b⁽²⁾")
        expect(title).to_be_visible()
        bar = box(page, page.get_by_role("navigation", name="Step controls"))
        page.wait_for_function(  # the scroll comes once the swap has settled
            "bar => { const t = document.getElementById('step-title').getBoundingClientRect();"
            " return t.top >= bar && t.top < bar + 80; }",
            arg=bar["bottom"],
        )
        assert within(box(page, title), bar["bottom"], 800)  # not under the sticky bar
        graph = page.get_by_role("group", name=re.compile(r"^The network at this step"))
        equations = page.get_by_role("region", name="Equations").locator(".math-row")
        assert within(box(page, graph), bar["bottom"], 800)
        assert within(box(page, equations.first), bar["bottom"], 800)
        # Reading down to the last equation, the graph stays in view beside it.
        equations.last.scroll_into_view_if_needed()
        assert within(box(page, equations.last), bar["bottom"], 800)
        assert within(box(page, graph), bar["bottom"], 800)
    finally:
        context.close()


# --- 390x844: the step on the first screen, the controls at hand, scrolling made visible ------


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    yield context.new_page()
    context.close()


def test_on_a_phone_the_step_shows_first_and_next_is_always_at_hand(
    phone: Page, live_server: str
) -> None:
    page = phone
    page.goto(f"{live_server}{XOR}?step=bwd-2-dw")
    controls = box(page, page.locator(".step-buttons"))
    title = page.get_by_role("heading", level=2, name="Layer 2: ∂L/∂W⁽²⁾ and ∂L/∂b⁽²⁾")
    assert within(box(page, title), 0, controls["top"])  # the first screen shows the step
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing cut off
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    next_link = page.get_by_role("link", name="Next step")
    assert within(box(page, next_link), 0, 844)  # at the bottom of the page, still there
    next_link.click()
    title = page.get_by_role("heading", level=2, name="Layer 2: ∂L/∂a⁽¹⁾, passed down")
    expect(title).to_be_visible()
    page.wait_for_function(
        "() => { const t = document.getElementById('step-title').getBoundingClientRect();"
        " return t.top >= 0 && t.top < 80; }"
    )  # the new step's title, not 1,200 px of scrolling back up
    assert within(box(page, title), 0, controls["top"])


def test_on_a_phone_equations_show_that_they_scroll(phone: Page, live_server: str) -> None:
    page = phone
    page.goto(f"{live_server}{XOR}?step=bwd-2-dw&example=all&precision=3")
    equations = page.get_by_role("region", name="Equations")
    assert equations.evaluate("e => e.scrollWidth > e.clientWidth")  # the batch's matrices
    expect(equations).to_have_attribute("data-more", "right")
    fade = "e => getComputedStyle(e).maskImage"
    assert "gradient" in equations.evaluate(fade)  # the right edge fades: there is more
    equations.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    expect(equations).to_have_attribute("data-more", "left")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_on_a_phone_the_graph_pans_to_the_loss_or_fits(phone: Page, live_server: str) -> None:
    page = phone
    page.goto(f"{live_server}{XOR}?step=loss&example=all&precision=3")
    scroller = page.locator(".graph-scroll")
    loss = page.locator(".graph .loss-box rect")
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")  # it pans...
    inside = (
        "([box, el]) => { const b = box.getBoundingClientRect(), a = el.getBoundingClientRect();"
        " return a.left >= b.left - 0.5 && a.right <= b.right + 0.5; }"
    )
    # ...to what the step is about: the loss (it once showed the inputs only)
    assert page.evaluate(inside, [scroller.element_handle(), loss.element_handle()])
    fit = page.get_by_role("checkbox", name="Fit the whole network on the screen")
    fit.check()
    assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth")  # ...or fits
    inputs = page.locator(".graph .unit").first
    for part in (loss, inputs):
        assert page.evaluate(inside, [scroller.element_handle(), part.element_handle()])
    page.get_by_role("link", name="Next step").click()  # the choice holds from step to step
    expect(
        page.get_by_role("heading", level=2, name=re.compile(r"Gradient at the output"))
    ).to_be_visible()
    expect(page.get_by_role("checkbox", name="Fit the whole network on the screen")).to_be_checked()


def test_on_a_phone_step_9_has_no_serious_accessibility_violations(
    phone: Page, live_server: str
) -> None:
    phone.goto(f"{live_server}{XOR}?step=bwd-2-dw&example=3&precision=3")
    assert serious_violations(phone) == []


# --- every step on one page: printed to PDF in Chromium ----------------------------------------


def test_every_step_prints_to_a_pdf_of_a_page_or_so_a_step(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{XOR}?view=all")
    expect(page.get_by_role("heading", level=2)).to_have_count(14)
    assert serious_violations(page) == []
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    # 14 steps, each kept whole where it fits on an A4 page: a page or so a step, not 40.
    assert 7 <= len(pdf.pages) <= 20, len(pdf.pages)
    text = "\n".join(p.extract_text() for p in pdf.pages)
    found = [int(k) for k in re.findall(r"Step (\d+) of 14", text)]
    assert found == list(range(1, 15))  # every step, in order
    assert "Next step" not in text and "Steps on this page" not in text  # screen-only parts
    assert page.get_by_role("heading", level=1).inner_text() in text.replace("\n", " ")
