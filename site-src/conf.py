"""Sphinx settings for the book (site/): scripts/build_site.py copies this file into the
staging folder it builds from, next to the chapters, the README (as index.md) and _static/
(MathJax, the widget renderer), all from this repository and package-lock.json.

Nothing here names a host: every script and style the pages load comes from _static/.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

project = "micrograd_cn"
html_title = "micrograd_cn 中文教程"
author = "micrograd_cn developers"
copyright = "micrograd_cn developers (MIT)"
language = "zh_CN"
html_search_language = "zh"

extensions = ["myst_nb", "sphinx.ext.mathjax", "zh_search"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

# The chapters are shown with the outputs committed with them: never executed here.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "misc.highlighting_failure"]

# MathJax 3 from _static (npm `mathjax`, copied by the build); relative to _static/.
mathjax_path = "mathjax/tex-mml-chtml.js"
# The progress bars (ipywidgets) with the widget renderer from _static (npm
# `@jupyter-widgets/html-manager`, its standalone bundle that needs no RequireJS).
nb_ipywidgets_js = {"widgets/embed.js": {}}

html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["book.css"]
html_favicon = "_static/favicon.svg"
html_context = {"default_mode": "light"}  # pydata-sphinx-theme logs an error without one
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
}
