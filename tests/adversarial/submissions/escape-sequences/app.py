"""Hostile: terminal escape sequences in everything the app says, then a crash at start-up.

OSC (set the window title), RIS (full reset), RI (reverse index), DECSC (save cursor), a C1 CSI
and a bidi override, in its output and in the exception message the grader quotes back.
"""

import sys

NASTY = "\x1b]0;PWNED-TITLE\x07\x1bc\x1bM\x1b7\x9b2J\u202eESCAPES"
print(NASTY, flush=True)
print(NASTY, file=sys.stderr, flush=True)
raise RuntimeError(f"{NASTY} boom")
