"""User text in an exported script or notebook is inert (issue 12, item 1): with any name the
file compiles, runs, prints the same numbers as with a plain one, and runs nothing else."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from fastapi.testclient import TestClient
from markdown_it import MarkdownIt
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.storage.tables import SavedNetwork
from engine.presets import get_preset
from tests.app.api.support import seed_batch

MARK = "ran.txt"  # what the hostile names try to write, in the script's working directory
# Names the API takes (it refuses control characters): each tries to get out of where the
# exported file puts it, a docstring, a comment, a string or a markdown heading.
TAKEN = [
    f'XOR"""; open("{MARK}","w").write("ran"); """',
    f"XOR'''; open('{MARK}','w').write('ran'); '''",
    "C:\\Users\\Nina",
    "C:\\Users\\",
    '\\"""',
    f"# not a comment \\ {MARK}",
    f"line\u2028open('{MARK}','w')\u2029para",
    f"\u202e{MARK}\u202c and \ufeff",
    f'<img src=x onerror="alert(1)"> <script>alert(1)</script> {MARK}',
    "[a](javascript:alert(1)) $\\href{javascript:alert(1)}{x}$ &lt; *b* __c__",
    "x" * 200,
]
# And what only an older row, or another way in, could hold: line breaks and controls (NUL,
# which PostgreSQL cannot store at all, is given to the export itself below).
UNTAKEN = [
    f"XOR\nopen('{MARK}','w').write('ran')\n#",
    f"XOR\ropen('{MARK}','w').write('ran')",
    f"XOR\r\nopen('{MARK}','w')\x0c\x0b",
    f"next line\x85open('{MARK}','w')",
]
NUL = f"nul \x00 byte\nopen('{MARK}','w')"
QUERY = {"example": "3", "precision": "6", "lr": "0.2"}


def saved(client: TestClient, name: str | None) -> str:
    created = client.post("/api/networks", json={**seed_batch(), "name": name})
    assert created.status_code == 201, created.text
    return str(created.json()["page_url"])


def rename(client: TestClient, page_url: str, name: str) -> None:
    """Give a snapshot a name the API would refuse, as a row from another way in could have."""
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        row_id = page_url.rsplit("/", 1)[1]
        session.execute(update(SavedNetwork).where(SavedNetwork.id == row_id).values(name=name))
        session.commit()


def run(script: str, where: Path) -> str:
    """The script's output, run with nothing but NumPy in a directory of its own."""
    where.mkdir()
    path = where / "walkthrough.py"
    path.write_bytes(script.encode("utf-8"))
    done = subprocess.run(
        [sys.executable, "-I", str(path)], capture_output=True, text=True, timeout=60, cwd=where
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert sorted(p.name for p in where.iterdir()) == ["walkthrough.py"], "it ran something else"
    return done.stdout


def literal(script: str, name: str) -> object:
    """The value the module-level assignment `name = ...` gives, read without running it."""
    for node in ast.parse(script).body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"no {name} = ... in the script")


@pytest.mark.slow  # runs a dozen exported scripts in their own Python
def test_a_hostile_name_is_a_literal_and_the_script_runs_the_same(
    client: TestClient, tmp_path: Path
) -> None:
    plain = client.get(f"{saved(client, 'XOR')}/walkthrough.py", params=QUERY).text
    expected = run(plain, tmp_path / "plain")
    assert "L_after = 2.025" in expected
    pages = [(name, saved(client, name)) for name in TAKEN] + [
        (name, saved(client, "placeholder")) for name in UNTAKEN
    ]
    for i, (name, page_url) in enumerate(pages):
        if name in UNTAKEN:
            rename(client, page_url, name)
        script = client.get(f"{page_url}/walkthrough.py", params=QUERY).text
        compile(script, "walkthrough.py", "exec")
        assert run(script, tmp_path / f"hostile-{i}") == expected, name
        assert literal(script, "NETWORK") == name
        # No user text outside that literal: the docstring and comments are the app's own.
        docstring = ast.get_docstring(ast.parse(script)) or ""
        assert "XOR" not in docstring and "Nina" not in docstring and MARK not in docstring


@pytest.mark.parametrize("name", TAKEN + UNTAKEN)
def test_in_a_notebook_the_name_is_one_line_of_plain_text(client: TestClient, name: str) -> None:
    page_url = saved(client, "placeholder")
    rename(client, page_url, name)
    r = client.get(f"{page_url}/walkthrough.ipynb", params=QUERY)
    assert r.status_code == 200
    assert_inert_notebook(r.text, name)


def assert_inert_notebook(text: str, name: str) -> None:
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    title = notebook.cells[0].source.split("\n\n")[0]
    html = MarkdownIt("commonmark").render(title)
    # One heading of text: no tag (HTML, image, link) and no math ($ is escaped).
    assert html.startswith("<h1>") and html.endswith("</h1>\n")
    assert re.findall(r"<[a-z]", html) == ["<h"]
    assert re.search(r"(?<!\\)\$", title) is None
    assert html.count("\n") == 1
    for cell in notebook.cells:
        if cell.cell_type == "code":
            compile(cell.source, "cell", "exec")
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert literal(code, "NETWORK") == name
    assert json.loads(text)["cells"][0]["cell_type"] == "markdown"


def test_a_nul_in_a_name_is_inert_too(tmp_path: Path) -> None:
    # PostgreSQL cannot store NUL, SQLite can: whatever the row, the export holds it inertly.
    from app.walkthrough.export import Export, notebook, script

    p = get_preset("xor-homework")
    url = "/presets/xor-homework?step=input&example=3&precision=6&lr=0.2"

    def export(title: str) -> Export:
        return Export(title, url, p.network, p.inputs, p.targets, 3, 0.2, 6)

    expected = run(script(export("XOR")), tmp_path / "plain")
    hostile = script(export(NUL))
    assert run(hostile, tmp_path / "nul") == expected
    assert literal(hostile, "NETWORK") == NUL
    assert_inert_notebook(notebook(export(NUL)), NUL)


def test_markdown_text_spells_what_it_escapes() -> None:
    from app.walkthrough.export import markdown_text

    assert markdown_text("a_b *c* `d`") == "a\\_b \\*c\\* \\`d\\`"
    assert markdown_text("line\u2028break\nand\x00") == "line\\u2028break\\nand\\x00"
    assert markdown_text("Σ é 日本") == "Σ é 日本"
