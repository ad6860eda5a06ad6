#!/usr/bin/env bash
# Installs what pip cannot: Graphviz's `dot` and a CJK font (and, with --browser,
# Chromium + ChromeDriver for the HTML export test). Debian/Ubuntu only; elsewhere it
# prints what to install and exits 0 so the Python parts still work.
set -u

want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1
# --site: Node.js and npm for `make site` (npm ci fetches MathJax, Pyodide, ... by package-lock.json)
want_site=0
for arg in "$@"; do
  [ "$arg" = "--site" ] && want_site=1
  [ "$arg" = "--browser" ] && want_browser=1
done

packages=()
command -v dot >/dev/null 2>&1 || packages+=(graphviz)
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  packages+=(fonts-noto-cjk)
fi
if [ "$want_browser" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || packages+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || packages+=(chromium-driver)
fi
if [ "$want_site" = 1 ]; then
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi
[ "${#packages[@]}" = 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "micrograd_cn: please install ${packages[*]} with your package manager" \
       "(macOS: brew install graphviz; Windows: https://graphviz.org/download/)." >&2
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "micrograd_cn: need root or sudo to run: apt-get install ${packages[*]}" >&2
  exit 0
fi
echo "micrograd_cn: installing ${packages[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null \
  && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null \
  || echo "micrograd_cn: apt-get install ${packages[*]} failed; drawing tests will be skipped" >&2
exit 0
