"""``python -m safety_case`` runs the ``safety-case`` command."""

import sys

from safety_case.cli import main

sys.exit(main())
