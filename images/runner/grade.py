"""Entry point inside the runner container: run the exercise's grader under the grading plugin."""

import sys

sys.path.insert(0, "/opt/sandbox")

from sandbox.grading.main import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
