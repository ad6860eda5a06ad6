"""Hypothesis profiles: ``ci`` (derandomized, no deadline) when ``CI`` is set, else ``dev``
(``mutation`` for make mutation);
the ``lecture_value`` fixture (a learner's hand-written Value class) and the other shared ones."""

import gc
import math
import os
import shutil
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=100,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=50)
# make mutation (pytest --hypothesis-profile=mutation): each property runs once per mutant, so
# fewer, fixed examples keep the whole run to hours, not days.
settings.register_profile(
    "mutation",
    deadline=None,
    max_examples=10,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
_on_ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
settings.load_profile("ci" if _on_ci else "dev")


# ---------------------------------------------------------------- a learner's own Value class
class LectureValue:
    """The lecture's hand-written Value ("building micrograd"): parents in a *set*, closures
    that take no argument and read ``out.grad``; no ``_grad_fn``, no ``_param``."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"LectureValue(data={self.data})"

    def __add__(self, other):
        other = other if isinstance(other, LectureValue) else LectureValue(other)
        out = LectureValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, LectureValue) else LectureValue(other)
        out = LectureValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        out = LectureValue(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = LectureValue(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = LectureValue(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other**-1


@pytest.fixture
def lecture_value():
    """The class of a learner's hand-written Value (the lecture's, parents in a set)."""
    return LectureValue


@pytest.fixture
def python_handles_ctrl_c():
    """SIGINT goes to Python's own handler, as from a terminal: a test run started in the
    background by a shell inherits SIGINT ignored, and an ignored Ctrl-C rightly does nothing."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@contextmanager
def _chromium(*flags: str):
    """A headless Chromium driven by selenium, with a throwaway profile; skips when absent.

    ``flags`` are added to the common ones (a window size, a host rule, ...)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")
    for program in ("chromium", "chromedriver"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} missing: apt-get install chromium chromium-driver to run it")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        *flags,
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    with tempfile.TemporaryDirectory() as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        try:
            yield driver
        finally:
            driver.quit()


@pytest.fixture(scope="session")
def headless_chromium():
    """``with headless_chromium(*flags) as driver:`` (a fixture, so test modules need no import)."""
    return _chromium


@pytest.fixture
def ascii_locale(monkeypatch):
    """Python's default text encoding made ASCII, as a console whose locale is not UTF-8
    gives (a Chinese Windows one is GBK): a file written without an encoding follows it."""
    import io

    monkeypatch.setattr(io, "text_encoding", lambda encoding, *rest: encoding or "ascii")


def _race_for_the_collector(first, second) -> bool:
    """Force the interleaving that left the garbage collector off for good; True when it is
    on after both.

    ``first(inside)`` pauses the collector (a backward, a fit) and calls ``inside()`` while it
    holds the pause; ``second()`` starts then, and a profile hook stops it right after any
    ``gc.isenabled()`` call until ``first`` is done.  The old ``was_on = gc.isenabled();
    gc.disable()`` read "off" there and never switched the collector back on; a shared pause
    never reads it in the second thread, and ``inside()`` waits out a short timeout instead.
    """
    first_inside, second_read, first_done = threading.Event(), threading.Event(), threading.Event()

    def inside():
        first_inside.set()
        second_read.wait(0.5)

    def run_first():
        first(inside)
        first_done.set()

    def stop_after_isenabled(frame, event, arg):
        if event == "c_return" and arg is gc.isenabled:
            second_read.set()
            first_done.wait(5)

    def run_second():
        first_inside.wait(5)
        sys.setprofile(stop_after_isenabled)
        try:
            second()
        finally:
            sys.setprofile(None)

    gc.enable()
    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return gc.isenabled()
    finally:
        gc.enable()


@pytest.fixture(scope="session")
def collector_race():
    """``collector_race(first, second)``: see :func:`_race_for_the_collector`."""
    return _race_for_the_collector


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "needs_dot: the test runs Graphviz's dot; skipped (saying how to get it) without"
    )


def pytest_runtest_setup(item):
    """``@pytest.mark.needs_dot``: one skip rule for every test file that draws."""
    if item.get_closest_marker("needs_dot") and shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' missing: apt-get install graphviz")
