"""What runs inside the runner container: the pytest plugin and the helpers graders use.

Standard library, pytest and requests only: this package is copied into the runner image.
"""

from sandbox.grading.files import open_sqlite_readonly, read_text_capped
from sandbox.grading.learner_app import AppNoAnswer, LearnerApp, describe

__all__ = ["AppNoAnswer", "LearnerApp", "describe", "open_sqlite_readonly", "read_text_capped"]
