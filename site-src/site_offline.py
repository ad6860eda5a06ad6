"""The book's offline guarantees: no built file names a CDN host, and a local server.

Vendor files (MathJax, the widget renderer, Pyodide, the JupyterLite kernel) still name
public CDNs as defaults they never use here; :func:`defuse_cdn_urls` rewrites those URLs
to a path on the site's own host (so a forgotten fallback would show as a 404 in the
browser test, never as a request elsewhere) and drops CSS imports of web fonts;
:func:`check_no_cdn` then fails the build for any file that still names one.
:func:`make_server` serves a built site on 127.0.0.1 (`make site-serve`, the tests).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

#: Hosts no built file may name (the public CDNs the vendor files default to).
CDN_HOSTS = (
    "jsdelivr",
    "unpkg",
    "cdnjs",
    "googleapis",
    "gstatic",
    "bootstrapcdn",
    "esm.sh",
    "skypack",
    "jspm",
)
CDN_RE = re.compile("|".join(re.escape(h) for h in CDN_HOSTS).encode())
#: A URL on a CDN inside a vendor file: rewritten to a path on the same host (never fetched;
#: if it were, the page's own server would answer 404 and the browser test would fail).
CDN_URL_RE = re.compile(
    r"https?://[A-Za-z0-9.-]*(?:" + "|".join(re.escape(h) for h in CDN_HOSTS) + r")[A-Za-z0-9.-]*"
)
CSS_IMPORT_RE = re.compile(
    r"@import\s+url\(\s*['\"]?https?://[^)]*(?:"
    + "|".join(re.escape(h) for h in CDN_HOSTS)
    + r")[^)]*\)\s*;?"
)
TEXT_SUFFIXES = {".html", ".js", ".mjs", ".cjs", ".css", ".json", ".svg", ".txt", ".ipynb", ".md"}


def defuse_cdn_urls(site: Path) -> list[str]:
    """Rewrite CDN URLs left in vendor files (unused defaults) to local paths; say which."""
    changed = []
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".map":
            path.unlink()
            continue
        if path.suffix not in TEXT_SUFFIXES:
            continue
        data = path.read_bytes()
        if not CDN_RE.search(data):
            continue
        text = data.decode("utf-8")
        found = sorted(set(CDN_URL_RE.findall(text)))
        new = CDN_URL_RE.sub("/cdn-not-used", CSS_IMPORT_RE.sub("", text))
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(f"{path.relative_to(site)}: {', '.join(found)}")
    return changed


def check_no_cdn(site: Path) -> list[str]:
    """Every built file that names a CDN host (empty: the check passes)."""
    offenders = []
    for path in sorted(site.rglob("*")):
        if path.is_file():
            match = CDN_RE.search(path.read_bytes())
            if match:
                offenders.append(f"{path.relative_to(site)} names {match.group().decode()}")
    return offenders


def make_server(directory: Path, port: int = 0, quiet: bool = True):
    """An HTTP server for a built site on 127.0.0.1 (module scripts and wasm get their types)."""
    import functools
    import http.server

    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map: ClassVar[dict[str, str]] = {
            **http.server.SimpleHTTPRequestHandler.extensions_map,
            ".js": "text/javascript",
            ".mjs": "text/javascript",
            ".wasm": "application/wasm",
            ".json": "application/json",
            ".whl": "application/zip",
        }

        def log_message(self, format, *args):
            if not quiet:
                super().log_message(format, *args)

    handler = functools.partial(Handler, directory=str(directory))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
