"""``python -m lib12333``: the command line (CPython only)."""

import sys

from lib12333.host.cli import main

sys.exit(main())
