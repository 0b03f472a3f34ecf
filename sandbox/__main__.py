"""`python -m sandbox` runs the CLI."""

import sys

from sandbox.cli import main

sys.exit(main())
