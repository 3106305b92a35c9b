"""``python -m proofs_check``: see :mod:`proofs_check.cli.main`."""

import sys

from proofs_check.cli.main import main

sys.exit(main())
