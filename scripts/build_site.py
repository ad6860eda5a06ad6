#!/usr/bin/env python3
"""Build the book: site/ (the chapters as pages) and site/lite/ (the chapters run in the browser).

    python3 scripts/build_site.py            # what `make site` runs
    python3 scripts/build_site.py --check    # only scan an existing site/ for CDN hosts

Everything the pages load is copied into site/ from pinned sources, so the folder can be
served by any static host (or `make site-serve`) with no request to any other host:

* the tools (Sphinx + myst-nb + sphinx-book-theme, JupyterLite) are installed into
  .venv-site/ from site-src/requirements.txt (exact versions and sha256 hashes);
* MathJax, the widget renderer, Graphviz compiled to WebAssembly (@viz-js/viz) and the
  Pyodide core come from npm with `npm ci` (package-lock.json);
* the pure-Python wheels the browser's Python needs come from PyPI by exact version and
  hash (site-src/pyodide-wheels.txt), with micrograd_cn's own wheel built from this checkout;
  the pyodide-lock.json shipped lists exactly these, so nothing is looked up elsewhere.

The pages show the notebooks' committed outputs (nothing is executed).  The JupyterLite
copies of the chapters differ in one way: matplotlib does not exist in the browser, so the
cells that draw with it keep their stored picture in a text cell that says why (the import
cell loses its matplotlib lines).  Finally the CDN defaults that vendor files still name
(unused fallbacks) are rewritten to a local path, and the build fails if any built file
still names a CDN host.  Each step says how long it took; the site is written to a
temporary folder and moved into place only when complete.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "site-src"
WORK = ROOT / "build" / "site"  # staging folders and downloads (git-ignored)
VENV = ROOT / ".venv-site"
NODE = ROOT / "node_modules"
OUT = ROOT / "site"

sys.path.insert(0, str(SRC))
from site_offline import check_no_cdn, defuse_cdn_urls, make_server  # noqa: E402
from site_wheels import add_to_wheel, pyodide_lock  # noqa: E402

CHAPTER_GLOB = "[0-9][0-9]_*.ipynb"
#: Cells of the JupyterLite copies that need matplotlib (not available in the browser).
PLOTTING = re.compile(r"\bplt\.|\bdecision_boundary\(|\bloss_curve\(")
MATPLOTLIB_LINES = re.compile(
    r"^(import matplotlib.*|from matplotlib.*|from micrograd_cn\.plot import .*|"
    r"cjk_fonts = use_chinese_font\(\).*)\n?",
    re.MULTILINE,
)
NOT_RERUN = (
    "这一格用 matplotlib 画图；浏览器里的 Python（Pyodide）没有 matplotlib，所以不重新运行，"
    "下面是在电脑上运行时保存的结果。"
)
IMPORT_NOTE = (
    "# 浏览器版：Pyodide 里没有 matplotlib，这里不导入它；画图的格子保留保存的图，不重新运行。\n"
)
RUN_LINK = (
    '<p class="mg-run"><a href="../lite/notebooks/index.html?path={name}">'
    "▶ 在浏览器里运行本章（JupyterLite，无需安装）</a>{note}</p>"
)
PLOT_NOTE = "　画图的格子在浏览器里不重新运行（没有 matplotlib），其余格子都能运行。"
LITE_KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
#: micrograd_cn's extra that comes with it in the browser (drawing).
OWN_EXTRAS = ["viz"]
#: Packages the kernel loads when it starts (the rest load on import, from the lock).
PRELOAD = ["micropip", "ipython", "jedi", "comm", "micrograd-cn"]


def log(message: str) -> None:
    print(f"build_site: {message}", flush=True)


def run(*command, cwd=ROOT, env=None, quiet=False) -> None:
    shown = " ".join(str(c) for c in command)
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=quiet, text=True
    )
    if done.returncode != 0:
        if quiet:
            sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        sys.exit(f"build_site: failed ({done.returncode}): {shown}")


def digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()


# ---------------------------------------------------------------- tools


def ensure_venv() -> Path:
    """.venv-site with exactly site-src/requirements.txt (reinstalled when it changes)."""
    requirements = SRC / "requirements.txt"
    stamp = VENV / ".requirements-sha256"
    python = VENV / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text() == digest(requirements):
        return python
    log("installing the site tools into .venv-site (pinned with hashes)")
    if VENV.exists():
        shutil.rmtree(VENV)
    run(sys.executable, "-m", "venv", VENV)
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile",
        "--require-hashes", "--no-deps", "-r", requirements, quiet=True)  # fmt: skip
    stamp.write_text(digest(requirements))
    return python


def ensure_node_modules() -> None:
    """node_modules/ from package-lock.json with `npm ci` (again when the lock changes)."""
    lock = ROOT / "package-lock.json"
    stamp = NODE / ".package-lock-sha256"
    if stamp.exists() and stamp.read_text() == digest(lock):
        return
    if shutil.which("npm") is None:
        sys.exit("build_site: npm not found: install Node.js (apt-get install nodejs npm)")
    log("npm ci (MathJax, widget renderer, @viz-js/viz, pyodide)")
    run("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", quiet=True)
    stamp.write_text(digest(lock))


# ---------------------------------------------------------------- the book (Sphinx)


def chapters() -> list[Path]:
    return sorted((ROOT / "notebooks").glob(CHAPTER_GLOB))


def read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def source_of(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def needs_matplotlib(notebook: dict) -> bool:
    return any(
        cell["cell_type"] == "code" and PLOTTING.search(source_of(cell))
        for cell in notebook["cells"]
    )


def book_notebook(path: Path) -> dict:
    """The chapter as committed, plus a link to run it in the browser under its title."""
    notebook = read_notebook(path)
    note = PLOT_NOTE if needs_matplotlib(notebook) else ""
    link = {
        "cell_type": "markdown",
        "metadata": {},
        "source": RUN_LINK.format(name=path.name, note=note),
    }
    notebook["cells"].insert(1, link)
    return notebook


def stage_book(stage: Path) -> None:
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "notebooks").mkdir(parents=True)
    for name in ("conf.py", "zh_search.py"):
        shutil.copy2(SRC / name, stage / name)
    static = stage / "_static"
    shutil.copytree(SRC / "_static", static)
    shutil.copytree(NODE / "mathjax" / "es5", static / "mathjax", ignore=_mathjax_ignore)
    widgets = NODE / "@jupyter-widgets" / "html-manager" / "dist"
    (static / "widgets").mkdir()
    for item in widgets.iterdir():  # the bundle and the fonts its CSS names (no source maps)
        if item.name == "embed.js" or item.suffix in (".woff", ".woff2", ".ttf", ".eot", ".svg"):
            shutil.copy2(item, static / "widgets" / item.name)
    for path in chapters():
        write_json(stage / "notebooks" / path.name, book_notebook(path))
    readme = (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")
    (stage / "notebooks" / "README.md").write_text(
        readme.replace("../README.md", "../index.md"), encoding="utf-8"
    )
    shutil.copytree(ROOT / "docs", stage / "docs")
    home = (ROOT / "README.md").read_text(encoding="utf-8")
    toc = "\n".join(f"notebooks/{p.stem}" for p in chapters())
    home += (
        f"\n\n```{{toctree}}\n:caption: 章节\n:maxdepth: 1\n\n{toc}\n```\n\n"
        "```{toctree}\n:caption: 附录\n:maxdepth: 1\n\nnotebooks/README\n"
        "docs/architecture\ndocs/gradients\ndocs/mutation\n```\n"
    )
    (stage / "index.md").write_text(home, encoding="utf-8")


def _mathjax_ignore(folder: str, names: list[str]) -> list[str]:
    """MathJax's es5/ as the pages use it: the tex-mml-chtml component and what it loads on
    demand (TeX extensions, CHTML fonts, menu, accessibility), not the other combinations,
    the SVG output or the speech engine."""
    if Path(folder).name == "es5":
        keep = {"tex-mml-chtml.js", "input", "output", "ui", "a11y", "adaptors"}
        return [n for n in names if n not in keep]
    if Path(folder).name == "output":
        return [n for n in names if n.startswith("svg")]
    return [n for n in names if n.endswith(".map")]


def build_book(python: Path, stage: Path, out: Path) -> int:
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONWARNINGS="ignore:Cell is missing an id")
    warnings_file = WORK / "sphinx-warnings.txt"
    run(python, "-m", "sphinx", "-b", "html", "-q", "-j", "1", "-w", warnings_file,
        stage, out, env=env)  # fmt: skip
    warnings = [line for line in warnings_file.read_text().splitlines() if "WARNING" in line]
    for line in warnings[:20]:
        log(f"sphinx: {line}")
    return len(warnings)


# ---------------------------------------------------------------- the browser's Python (lite)


def lite_notebook(path: Path) -> dict:
    """The chapter for JupyterLite: the Pyodide kernel, and no matplotlib cell re-run."""
    notebook = copy.deepcopy(read_notebook(path))
    notebook["metadata"]["kernelspec"] = dict(LITE_KERNELSPEC)
    cells = []
    for cell in notebook["cells"]:
        source = source_of(cell)
        if cell["cell_type"] != "code":
            cells.append(cell)
        elif "import matplotlib" in source:
            cell["source"] = IMPORT_NOTE + MATPLOTLIB_LINES.sub("", source).rstrip() + "\n"
            cells.append(cell)
        elif PLOTTING.search(source):
            cells.append(stored_picture_cell(source, cell["outputs"]))
        else:
            cells.append(cell)
    notebook["cells"] = cells
    return notebook


def stored_picture_cell(source: str, outputs: list) -> dict:
    """A text cell: why it is not run, the code, and what it showed (pictures inline)."""
    parts = [f"**{NOT_RERUN}**", f"```python\n{source.rstrip()}\n```"]
    for output in outputs:
        if output["output_type"] == "stream":
            text = "".join(output["text"]) if isinstance(output["text"], list) else output["text"]
            parts.append(f"```text\n{text.rstrip()}\n```")
        for mime in ("image/png", "image/jpeg"):
            data = output.get("data", {}).get(mime)
            if data:
                data = "".join(data).replace("\n", "") if isinstance(data, list) else data
                parts.append(f"![保存的图 stored figure](data:{mime};base64,{data.strip()})")
                break
    return {"cell_type": "markdown", "metadata": {}, "source": "\n\n".join(parts)}


def fetch_wheels(python: Path) -> list[Path]:
    """The pinned pure-Python wheels (downloaded once into build/site/wheels, hash-checked)."""
    folder = WORK / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    requirements = SRC / "pyodide-wheels.txt"
    stamp = folder / ".requirements-sha256"
    if not (stamp.exists() and stamp.read_text() == digest(requirements)):
        log("downloading the wheels for Pyodide (exact versions, sha256 checked)")
        for old in folder.glob("*.whl"):
            old.unlink()
        run(python, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
            "--only-binary=:all:", "--platform", "any", "--python-version", "3.14",
            "--implementation", "py", "--abi", "none", "--require-hashes",
            "-r", requirements, "-d", folder, quiet=True)  # fmt: skip
        stamp.write_text(digest(requirements))
    return sorted(folder.glob("*.whl"))


def own_wheel(python: Path) -> Path:
    """micrograd_cn's wheel from this checkout, with @viz-js/viz's one-file build inside it
    (micrograd_cn.render draws with it in Pyodide, where there is no `dot`)."""
    folder = WORK / "own-wheel"
    if folder.exists():
        shutil.rmtree(folder)
    run(python, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
        "--no-build-isolation", "-w", folder, ROOT, quiet=True)  # fmt: skip
    (wheel,) = folder.glob("micrograd_cn-*.whl")
    script = (NODE / "@viz-js" / "viz" / "dist" / "viz-global.js").read_bytes()
    add_to_wheel(wheel, "micrograd_cn/viz-global.js", script)
    return wheel


def check_pyodide_version(python: Path) -> None:
    """npm's pyodide must be the version the JupyterLite kernel was made for."""
    code = (
        "from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION; print(PYODIDE_VERSION)"
    )
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    npm = json.loads((NODE / "pyodide" / "package.json").read_text())["version"]
    if done.stdout.strip() != npm:
        sys.exit(
            f"build_site: jupyterlite-pyodide-kernel expects pyodide {done.stdout.strip()}, "
            f"package.json pins {npm}: make them agree"
        )


def stage_lite(python: Path, stage: Path) -> None:
    check_pyodide_version(python)
    if stage.exists():
        shutil.rmtree(stage)
    files = stage / "files"
    files.mkdir(parents=True)
    for path in chapters():
        write_json(files / path.name, lite_notebook(path))
    pyodide = stage / "static" / "pyodide"
    pyodide.mkdir(parents=True)
    core = NODE / "pyodide"
    for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"):
        shutil.copy2(core / name, pyodide / name)
    wheels = [*fetch_wheels(python), own_wheel(python)]
    for wheel in wheels:
        shutil.copy2(wheel, pyodide / wheel.name)
    write_json(
        pyodide / "pyodide-lock.json", pyodide_lock(python, wheels, NODE / "pyodide", OWN_EXTRAS)
    )
    config = json.loads((SRC / "jupyter-lite.json").read_text(encoding="utf-8"))
    kernel = config["jupyter-config-data"]["litePluginSettings"][
        "@jupyterlite/pyodide-kernel-extension:kernel"
    ]
    kernel["loadPyodideOptions"]["packages"] = list(PRELOAD)
    write_json(stage / "jupyter-lite.json", config)
    # JupyterLite's REPL app also starts a notebook-only plugin, which fails with a console
    # error (No provider for INotebookTracker): the REPL has no notebooks, so leave it off.
    repl = {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        "disabledExtensions": ["@jupyterlab/codemirror-extension:commands"]}}  # fmt: skip
    write_json(stage / "repl" / "jupyter-lite.json", repl)


def build_lite(python: Path, stage: Path, out: Path) -> None:
    env = dict(os.environ)
    env.pop("JUPYTERLITE_PYODIDE_URL", None)
    lite_cli = python.parent / "jupyter-lite"
    run(lite_cli, "build", "--lite-dir", stage, "--output-dir", out,
        "--contents", stage / "files", "--apps", "lab", "--apps", "notebooks", "--apps", "repl",
        "--no-sourcemaps", "--no-unused-shared-packages",
        cwd=stage, env=env, quiet=True)  # fmt: skip


# ---------------------------------------------------------------- serving


def serve(port: int) -> int:
    if not (OUT / "index.html").is_file():
        print("build_site: no site/ yet: run `make site` first", file=sys.stderr)
        return 2
    server = make_server(OUT, port, quiet=False)
    print(f"serving site/ at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only scan site/ for CDN hosts")
    parser.add_argument("--serve", action="store_true", help="serve site/ at 127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="port for --serve (8000)")
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.port)
    if args.check:
        offenders = check_no_cdn(OUT)
        for line in offenders:
            print(f"build_site: {line}", file=sys.stderr)
        return 1 if offenders else 0

    started = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    python = ensure_venv()
    ensure_node_modules()
    tools = time.perf_counter()
    log(f"tools ready in {tools - started:.1f} s")

    temp = WORK / "site.partial"
    if temp.exists():
        shutil.rmtree(temp)
    stage_book(WORK / "book")
    warnings = build_book(python, WORK / "book", temp)
    book = time.perf_counter()
    log(f"book built in {book - tools:.1f} s ({warnings} Sphinx warnings)")

    stage_lite(python, WORK / "lite")
    build_lite(python, WORK / "lite", temp / "lite")
    lite = time.perf_counter()
    log(f"JupyterLite built in {lite - book:.1f} s")

    # pages without an icon of their own (JupyterLite's REPL) ask for /favicon.ico
    shutil.copy2(temp / "lite" / "lab" / "favicon.ico", temp / "favicon.ico")
    for line in defuse_cdn_urls(temp):
        log(f"unused CDN default rewritten: {line}")
    offenders = check_no_cdn(temp)
    if offenders:
        for line in offenders:
            log(f"names a CDN host: {line}")
        sys.exit("build_site: the site names a CDN host (see above); site/ left unchanged")
    if OUT.exists():
        shutil.rmtree(OUT)
    temp.replace(OUT)
    size = folder_size(OUT) / 1e6
    lite_size = folder_size(OUT / "lite") / 1e6
    log(
        f"site/ ready: {size:.1f} MB (lite/ {lite_size:.1f} MB); build {lite - tools:.1f} s, "
        f"total {time.perf_counter() - started:.1f} s; open with `make site-serve`"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
