"""Where ``micrograd-cn`` and ``python -m micrograd_cn`` start: Ctrl-C is quiet from here on.

The package's ``__init__`` (which loads everything else lazily) already sets a
handler that ends the command with its one line when it sees it is ``micrograd-cn``;
:func:`main` then installs the handler of the run before it imports anything heavy,
so a Ctrl-C during the imports exits 130 with one line, like one during the work.
The first Ctrl-C stops the run; later ones are ignored, so the clean-up that
follows (temporary files) is never cut short.  Only Python's own start-up (``site``,
``runpy``, locating the package) is out of reach.
"""

import os
import sys

try:  # the C module behind ``signal``: importing ``signal`` would first import enum and
    import _signal  # functools (~10 ms on a busy machine, with Ctrl-C still unhandled)
except ImportError:  # not CPython
    import signal as _signal

INTERRUPTED = "micrograd-cn: interrupted (Ctrl-C); no partial output was kept"


def _interrupt(signum, frame):
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup
    raise KeyboardInterrupt


def _interrupt_again(unraisable, previous_hook=sys.unraisablehook):
    """A Ctrl-C that landed inside a weakref callback or a ``__del__`` cannot be raised there
    (Python would print "Exception ignored in …" and carry on): raise it again 1 ms later,
    in ordinary code.  Without interval timers (Windows), stop at once instead."""
    if unraisable.exc_type is None or not issubclass(unraisable.exc_type, KeyboardInterrupt):
        previous_hook(unraisable)
    elif hasattr(_signal, "setitimer"):
        _signal.signal(_signal.SIGALRM, _interrupt)
        _signal.setitimer(_signal.ITIMER_REAL, 0.001)
    else:
        print(INTERRUPTED, file=sys.stderr, flush=True)
        os._exit(130)


def main() -> int:
    """Run the command line with a quiet Ctrl-C; returns the exit code (130 when interrupted)."""
    _signal.signal(_signal.SIGINT, _interrupt)
    sys.unraisablehook = _interrupt_again
    try:
        from .cli import main as run_cli

        return run_cli()  # catches KeyboardInterrupt itself once it runs
    except KeyboardInterrupt:  # while still importing
        print(INTERRUPTED, file=sys.stderr)
        return 130
    finally:  # done: a Ctrl-C now would only interrupt the exit
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)


def _exit(code: int):
    """Exit with ``code``.  After an interrupt, leave without Python's own shutdown: under
    ``python -m``, a KeyboardInterrupt that once passed out of an ``exec()`` of a string
    (dataclasses and namedtuple build their methods that way) makes Python end the process
    by SIGINT at exit, even though it was caught and answered with one line."""
    if code != 130:
        sys.exit(code)
    from contextlib import suppress

    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(130)


if __name__ == "__main__":
    _exit(main())
