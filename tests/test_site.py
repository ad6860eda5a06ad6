"""The book (site/, built by scripts/build_site.py) in a real browser, offline.

Chromium runs headless with every host name but 127.0.0.1 unresolvable, and the site is
served from 127.0.0.1 only; every request the pages make is read from Chromium's
performance log.  Checked: each chapter page makes no request elsewhere and logs no
console error, its maths is typeset, each step-through player steps with Next and opens
a node's panel on a click, the progress bars render, Chinese search finds the chain
rule's chapter; in JupyterLite (site/lite/) the REPL prints a gradient (compared with its
closed form), chapters 00, 01, 02 and 04 run every cell without an error and draw_dot
draws an SVG with Graphviz compiled to WebAssembly.  Without site/ the build runs first
(`make test` builds it anyway); without Chromium these tests are skipped.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: Chapters that run every cell in the browser (the others draw with matplotlib).
RUN_IN_BROWSER = ["00_from_scratch", "01_graph_apple", "02_chain_rule_backprop",
                  "04_two_layer_network"]  # fmt: skip


def _build_site_module():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "scripts" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_site = _build_site_module()


def _notebook(name: str) -> dict:
    return json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def _players_in(name: str) -> int:
    return sum(
        1
        for cell in _notebook(name)["cells"]
        for output in cell.get("outputs", [])
        if 'class="mgp"' in "".join(output.get("data", {}).get("text/html", ""))
    )


def _has_maths(name: str) -> bool:
    return any(
        cell["cell_type"] == "markdown" and re.search(r"\$[^$\s][^$]*\$", _source(cell))
        for cell in _notebook(name)["cells"]
    )


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def site() -> Path:
    """site/ as built by `make site` (built here when missing)."""
    if not (SITE / "index.html").is_file() or not (SITE / "lite" / "index.html").is_file():
        assert build_site.main([]) == 0
    return SITE


@pytest.fixture(scope="session")
def base_url(site):
    server = build_site.make_server(site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(headless_chromium):
    # nothing but the site's own server can be reached
    no_network = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
    with headless_chromium("--window-size=1200,900", no_network) as driver:
        driver.set_script_timeout(120)
        yield driver


class Visit:
    """What one page load did: the URLs it requested and the console errors it logged."""

    def __init__(self, driver, base_url: str):
        self.driver, self.base_url = driver, base_url
        driver.get("about:blank")  # leave the last page (what it logs on leaving is not ours)
        driver.get_log("performance")  # forget earlier pages
        driver.get_log("browser")

    def open(self, path: str) -> None:
        self.driver.get(f"{self.base_url}/{path}")

    def requests(self) -> list[str]:
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def errors(self) -> list[str]:
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def assert_offline_and_clean(self) -> None:
        outside = [
            url
            for url in self.requests()
            if urlsplit(url).scheme in ("http", "https", "ws", "wss", "ftp")
            and urlsplit(url).hostname != "127.0.0.1"
        ]
        assert outside == [], f"requests that left 127.0.0.1: {outside[:10]}"
        errors = self.errors()
        assert errors == [], "console errors:\n" + "\n".join(errors)


def _wait(driver, script: str, timeout: float, *args, what: str = ""):
    """Poll a script until it returns something truthy; fail naming what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script, *args)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or script}")
        time.sleep(0.25)


# ---------------------------------------------------------------- the built files


def test_no_built_file_names_a_cdn_host(site):
    assert build_site.check_no_cdn(site) == []


# the hosts are assembled here so that no file of the project names a CDN literally
JSDELIVR = "https://cdn." + "jsdelivr.net"
GOOGLE_FONTS = "https://fonts." + "googleapis.com"


def test_the_check_finds_a_cdn_host_and_the_rewrite_removes_it(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        f'<script src="{JSDELIVR}/npm/x@1/x.js"></script>'
        f"<style>@import url({GOOGLE_FONTS}/css?family=Roboto);</style>",
        encoding="utf-8",
    )
    found = build_site.check_no_cdn(tmp_path)
    assert found == ["page.html names jsdelivr"]
    changed = build_site.defuse_cdn_urls(tmp_path)
    assert changed == [f"page.html: {JSDELIVR}, {GOOGLE_FONTS}"]
    assert page.read_text(encoding="utf-8") == (
        '<script src="/cdn-not-used/npm/x@1/x.js"></script><style></style>'
    )
    assert build_site.check_no_cdn(tmp_path) == []


def test_lite_lock_lists_exactly_the_wheels_shipped_with_their_hashes(site):
    import hashlib

    folder = site / "lite" / "static" / "pyodide"
    lock = json.loads((folder / "pyodide-lock.json").read_text())
    wheels = {p.name for p in folder.glob("*.whl")}
    assert {e["file_name"] for e in lock["packages"].values()} == wheels
    for entry in lock["packages"].values():
        data = (folder / entry["file_name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["name"]
    # micrograd_cn comes with what drawing imports
    assert lock["packages"]["micrograd-cn"]["depends"] == ["graphviz"]
    config = json.loads((site / "lite" / "jupyter-lite.json").read_text())
    kernel = config["jupyter-config-data"]["litePluginSettings"][
        "@jupyterlite/pyodide-kernel-extension:kernel"
    ]
    assert kernel["disablePyPIFallback"] is True
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"


def test_lite_copies_keep_the_matplotlib_pictures_and_say_why():
    notebook = build_site.lite_notebook(ROOT / "notebooks" / "03_activations_losses.ipynb")
    sources = [_source(c) for c in notebook["cells"]]
    assert not any("import matplotlib" in s for s in sources if not s.startswith("**"))
    stored = [c for c in notebook["cells"] if build_site.NOT_RERUN in _source(c)]
    assert stored and all(c["cell_type"] == "markdown" for c in stored)
    assert all("](data:image/png;base64," in _source(c) for c in stored)
    assert notebook["metadata"]["kernelspec"]["name"] == "python"
    untouched = build_site.lite_notebook(ROOT / "notebooks" / "02_chain_rule_backprop.ipynb")
    assert [_source(c) for c in untouched["cells"]] == [
        _source(c) for c in _notebook("02_chain_rule_backprop")["cells"]
    ]


# ---------------------------------------------------------------- the chapter pages

TYPESET = """
const done = arguments[arguments.length - 1];
if (!window.MathJax || !MathJax.startup) { done(-1); return; }
MathJax.startup.promise.then(() => done(document.querySelectorAll('mjx-container').length));
"""


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_page_works_offline(browser, base_url, name):
    from selenium.webdriver.common.by import By

    visit = Visit(browser, base_url)
    visit.open(f"notebooks/{name}.html")
    title = browser.find_element(By.CSS_SELECTOR, "article h1").text
    assert title.startswith(name[:2]), title
    link = browser.find_element(By.CSS_SELECTOR, "p.mg-run a").get_attribute("href")
    assert link == f"{base_url}/lite/notebooks/index.html?path={name}.ipynb"
    typeset = browser.execute_async_script(TYPESET)
    if _has_maths(name):
        assert typeset > 0, "no formula typeset by MathJax"
    players = browser.find_elements(By.CSS_SELECTOR, "div.mgp")
    assert len(players) == _players_in(name)
    for player in players:
        browser.execute_script("arguments[0].scrollIntoView()", player)
        counter = player.find_element(By.CLASS_NAME, "mgp-counter")
        first, total = counter.text.split(" / ")
        player.find_element(By.CLASS_NAME, "mgp-next").click()
        assert counter.text == f"{int(first) + 1} / {total}"
        panel = player.find_element(By.CLASS_NAME, "mgp-panel")
        assert not panel.is_displayed()
        nodes = player.find_elements(By.CSS_SELECTOR, "g.node")
        box = next(g for g in nodes if not g.find_element(By.TAG_NAME, "title")
                   .get_attribute("textContent").endswith("op"))  # fmt: skip
        browser.execute_script(
            "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", box
        )
        assert panel.is_displayed() and "前向 forward" in panel.text
    if name == "05_train_mlp":  # tqdm's progress bars, drawn by the widget renderer
        bars = _wait(
            browser,
            "return document.querySelectorAll('.widget-progress, .jupyter-widgets progress, "
            ".widget-hprogress').length",
            20,
            what="the progress bars",
        )
        assert bars >= 1
    visit.assert_offline_and_clean()


def test_home_page_lists_every_chapter(browser, base_url):
    from selenium.webdriver.common.by import By

    visit = Visit(browser, base_url)
    visit.open("index.html")
    links = {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a")}
    for name in CHAPTERS:
        assert f"{base_url}/notebooks/{name}.html" in links, name
    visit.assert_offline_and_clean()


@pytest.mark.parametrize(
    ("query", "chapter"), [("链式法则", "02_chain_rule_backprop"), ("梯度检验", "07_gradcheck")]
)
def test_chinese_search_finds_the_chapter(browser, base_url, query, chapter):
    from selenium.webdriver.common.by import By

    visit = Visit(browser, base_url)
    visit.open(f"search.html?q={quote(query)}")
    _wait(
        browser,
        "return document.querySelectorAll('#search-results ul.search li').length",
        20,
        what=f"search results for {query}",
    )
    found = [a.get_attribute("href") for a in browser.find_elements(
        By.CSS_SELECTOR, "#search-results ul.search li a")]  # fmt: skip
    assert any(f"/notebooks/{chapter}.html" in url for url in found), found
    visit.assert_offline_and_clean()


# ---------------------------------------------------------------- the browser's Python

REPL_CODE = (
    "from micrograd_cn import Value\n"
    "x = Value(0.5)\n"
    "y = (x * x).tanh()\n"
    "y.backward()\n"
    "print(f'grad={x.grad:.12f}')"
)
#: d/dx tanh(x²) = 2x (1 − tanh²(x²)), at x = 0.5
REPL_EXPECTED = f"grad={2 * 0.5 * (1 - math.tanh(0.25) ** 2):.12f}"

OUTPUT_TEXT = """
return [...document.querySelectorAll('.jp-OutputArea-output')].map(e => e.textContent).join('\\n');
"""


def test_lite_repl_prints_a_known_gradient(browser, base_url):
    visit = Visit(browser, base_url)
    visit.open(f"lite/repl/index.html?kernel=python&toolbar=1&code={quote(REPL_CODE)}")
    text = _wait(
        browser,
        f"const t = (function() {{ {OUTPUT_TEXT} }})(); return /grad=|Error/.test(t) ? t : '';",
        180,
        what="the REPL's output",
    )
    assert REPL_EXPECTED in text, text
    visit.assert_offline_and_clean()


NOTEBOOK_STATE = """
const app = window.jupyterapp;
const panel = app && app.shell.currentWidget;
if (!panel || !panel.context || !panel.sessionContext || !panel.sessionContext.session) return null;
const kernel = panel.sessionContext.session.kernel;
return {status: kernel ? kernel.status : 'none', nb: panel.context.model.toJSON()};
"""


def _cell_errors(notebook: dict) -> list[str]:
    errors = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                errors.append(f"{output['ename']}: {output['evalue']} in {_source(cell)[:80]!r}")
    return errors


#: In the drawn graphs on the page: every text of a value's box lies inside its box.
OVERFLOW = """
const holder = document.createElement('div');
holder.innerHTML = arguments[0].slice(arguments[0].indexOf('<svg'));
document.body.appendChild(holder);
const outside = [];
let boxes = 0;
for (const g of holder.querySelectorAll('g.node')) {
  const frame = g.querySelector('polygon');
  if (!frame || g.querySelectorAll('text').length < 2) continue;
  boxes += 1;
  const f = frame.getBBox();
  for (const t of g.querySelectorAll('text')) {
    const b = t.getBBox();
    if (b.x < f.x - 0.5 || b.x + b.width > f.x + f.width + 0.5) outside.push(t.textContent);
  }
}
holder.remove();
return {boxes, outside};
"""


@pytest.mark.parametrize("name", RUN_IN_BROWSER)
def test_lite_chapter_runs_every_cell(browser, base_url, name):
    visit = Visit(browser, base_url)
    visit.open(f"lite/notebooks/index.html?path={name}.ipynb")
    _wait(
        browser,
        f"const s = (function() {{ {NOTEBOOK_STATE} }})(); return s && s.status === 'idle';",
        180,
        what="the Pyodide kernel to start",
    )
    browser.execute_script(
        "window.jupyterapp.commands.execute('notebook:run-all-cells'); return true;"
    )
    lite_copy = build_site.lite_notebook(ROOT / "notebooks" / f"{name}.ipynb")
    code_cells = sum(c["cell_type"] == "code" for c in lite_copy["cells"])
    state = _wait(
        browser,
        f"const s = (function() {{ {NOTEBOOK_STATE} }})();"
        "if (!s || s.status !== 'idle') return null;"
        "const code = s.nb.cells.filter(c => c.cell_type === 'code');"
        "const failed = code.some(c => c.outputs.some(o => o.output_type === 'error'));"
        "const done = code.every(c => c.execution_count !== null);"
        "return (done || failed) ? s : null;",
        300,
        what=f"{name} to run",
    )
    notebook = state["nb"]
    assert _cell_errors(notebook) == []
    ran = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert len(ran) == code_cells
    assert [c["execution_count"] for c in ran] == list(range(1, code_cells + 1))
    if name == "01_graph_apple":  # draw_dot through Graphviz compiled to WebAssembly
        drawn = [
            "".join(o["data"]["image/svg+xml"])
            for c in ran
            if "draw_dot(" in _source(c)
            for o in c["outputs"]
            if "image/svg+xml" in o.get("data", {})
        ]
        assert len(drawn) == 2 and all(svg.lstrip().startswith("<?xml") for svg in drawn)
        assert "data 220.0000" in drawn[0] and "grad 1.0000" in drawn[0]
        players = [
            "".join(o["data"]["text/html"])
            for c in ran
            for o in c["outputs"]
            if 'class="mgp"' in "".join(o.get("data", {}).get("text/html", ""))
        ]
        assert len(players) == _players_in(name) and all("<svg" in p for p in players)
        overflow = browser.execute_script(OVERFLOW, drawn[0])
        assert overflow["boxes"] >= 3 and overflow["outside"] == [], overflow
    visit.assert_offline_and_clean()
