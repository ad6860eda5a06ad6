"""``python -m micrograd_cn`` runs the command-line interface."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while still importing: one line, no traceback
    print("micrograd-cn: interrupted (Ctrl-C)", file=sys.stderr)
    raise SystemExit(130) from None

if __name__ == "__main__":
    raise SystemExit(main())
