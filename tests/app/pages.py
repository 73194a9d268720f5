"""Helpers for the page tests: the htmx header, the build form, a strict-CSP checker."""

from __future__ import annotations

from html.parser import HTMLParser

HX = {"HX-Request": "true"}

# The home page's build form, filled as a student would: a 2-3-1 tanh network for XOR.
BUILD_FORM = {
    "sizes": "2, 3, 1",
    "hidden_activation": "tanh",
    "output_activation": "sigmoid",
    "loss": "binary_crossentropy",
    "reduction": "mean",
    "data": "dataset",
    "dataset": "xor",
    "init": "glorot_uniform",
    "seed": "1",
    "layout": "in_out",
}


class InlineCode(HTMLParser):
    """Collects what a strict Content-Security-Policy would block: inline scripts and styles,
    on*= handlers and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        # NOTE: <script type="application/json"> is a data block: never run, so no CSP blocks
        # it (the training page hands its problem to static/training.js this way).
        data_block = dict(attrs).get("type") == "application/json"
        if tag == "script" and "src" not in names and not data_block:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        if "style" in names:
            self.problems.append(f"style= on <{tag}>")
        self.problems += [f"{n}= on <{tag}>" for n in names if n.startswith("on")]
        for name, value in attrs:
            if name in ("href", "src", "action") and (value or "").startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")


def csp_problems(html: str) -> list[str]:
    """What in this page a strict Content-Security-Policy would block (none, for ours)."""
    parser = InlineCode()
    parser.feed(html)
    return parser.problems
