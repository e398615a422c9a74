"""``python -m citydir_verify BUNDLE [--trust ...] [--json]``."""

import sys

from .cli import main

sys.exit(main())
