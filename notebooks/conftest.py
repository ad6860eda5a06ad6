"""pytest settings for the notebooks folder.

The ``NN_*.py`` files are jupytext twins of the executed ``.ipynb`` notebooks.
``--doctest-modules`` (set in pyproject.toml) would import them as modules, that is
run every chapter a second time; ``pytest --nbmake notebooks/`` runs the ``.ipynb``.

The reference answers in ``solutions/`` are not modules either: tests/test_notebooks.py puts
them into the chapters' exercise cells and runs the chapters with them.
"""

collect_ignore_glob = ["[0-9][0-9]_*.py", "solutions/*.py"]
