"""The wheels the browser's Python gets: our own wheel with a file added, and the lock.

Pyodide installs only what its ``pyodide-lock.json`` lists; the build ships npm's lock
cut down to exactly the wheels in ``site/lite/static/pyodide/``, each with its own sha256
and its dependencies read from the wheel's metadata (evaluated for Python 3.14 on
Emscripten), so the browser never looks anything up elsewhere.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path


def add_to_wheel(wheel: Path, name: str, data: bytes) -> None:
    """Add one file to a wheel, with its line in RECORD."""
    with zipfile.ZipFile(wheel) as old:
        items = [(info, old.read(info)) for info in old.infolist()]
    hashed = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    temp = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as new:
        new.writestr(name, data)
        for info, content in items:
            if info.filename.endswith(".dist-info/RECORD"):
                rows = list(csv.reader(io.StringIO(content.decode())))
                rows.insert(0, [name, f"sha256={hashed}", str(len(data))])
                text = io.StringIO()
                csv.writer(text, lineterminator="\n").writerows(rows)
                content = text.getvalue().encode()
            new.writestr(info, content)
    temp.replace(wheel)


def wheel_metadata(wheel: Path) -> tuple[str, str, list[str], list[str]]:
    """(name, version, requirements, top-level import names) read from the wheel itself."""
    from email.parser import Parser

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(archive.read(meta_name).decode("utf-8"))
    tops = set()
    for item in names:
        first = item.split("/")[0]
        if first.endswith((".dist-info", ".data")):
            continue
        if "/" in item or item.endswith(".py"):
            tops.add(first.removesuffix(".py"))
    return meta["Name"], meta["Version"], meta.get_all("Requires-Dist") or [], sorted(tops)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyodide_lock(python: Path, wheels: list[Path], npm_pyodide: Path, own_extras: list) -> dict:
    """npm's pyodide-lock.json with exactly the wheels shipped (their own hash and deps)."""
    lock = json.loads((npm_pyodide / "pyodide-lock.json").read_text())
    shipped = {normalize(wheel_metadata(w)[0]): w for w in wheels}
    code = (
        "import json, sys\n"
        "from packaging.requirements import Requirement\n"
        "env = {'python_version': '3.14', 'python_full_version': '3.14.2', "
        "'sys_platform': 'emscripten', 'platform_system': 'Emscripten', 'os_name': 'posix', "
        "'implementation_name': 'cpython', 'platform_machine': 'wasm32', 'extra': ''}\n"
        "lines, extras = json.load(sys.stdin)\n"
        "out = []\n"
        "for line in lines:\n"
        "    r = Requirement(line)\n"
        "    if r.marker is None or any(r.marker.evaluate({**env, 'extra': e}) for e in extras):\n"
        "        out.append(r.name)\n"
        "print(json.dumps(out))\n"
    )
    packages = {}
    for key, wheel in shipped.items():
        _, version, requires, imports = wheel_metadata(wheel)
        extras = ["", *own_extras] if key == "micrograd-cn" else [""]
        deps = json.loads(
            subprocess.run(
                [str(python), "-c", code],
                input=json.dumps([requires, extras]),
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        entry = dict(lock["packages"].get(key, {}))
        entry.update(
            name=key,
            version=version,
            file_name=wheel.name,
            install_dir="site",
            sha256=hashlib.sha256(wheel.read_bytes()).hexdigest(),
            package_type="package",
            imports=entry.get("imports") or imports,
            depends=sorted({normalize(d) for d in deps} & set(shipped)),
            unvendored_tests=False,
            shared_library=False,
        )
        packages[key] = entry
    return {"info": lock["info"], "packages": dict(sorted(packages.items()))}
