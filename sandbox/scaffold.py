"""`sandbox new SLUG --track TRACK`: a new exercise, its grader and its examples, wired into the
learning path. Every place the author must write is marked TODO(author), and `sandbox verify`
lints until none is left; filled in, the scaffold meets the standard's shape.
"""

from __future__ import annotations

import re
from pathlib import Path

from sandbox.errors import UsageError
from sandbox.exercises import PATH_FILE, load_path

TODO = "TODO(author)"

_TOML = """\
format_version = 1
id = "{slug}"  # stable: progress is kept under it; keep it if the slug ever changes
title = "{todo}: the exercise's title"
summary = "{todo}: one sentence for `sandbox list`."
topics = ["{topic}"]
difficulty = "beginner"  # beginner | intermediate | advanced
time_limit_s = 60
estimated_minutes = 30
# points: derived from the grader's @pytest.mark.points markers (add `points = N` to repeat them)
hints = [
    "{todo}: a gentle nudge towards the idea.",
    "{todo}: the Flask feature or library call that does it.",
    "{todo}: nearly the shape of the code.",
]

[app]
module = "app"
attribute = "app"
"""

_README = """\
# {todo}: the exercise's title

## Goal

{todo}: two sentences — what the learner builds, and the skill it teaches.

## Background

{todo}: a few paragraphs that teach the idea and why it matters; self-contained.

## What the grader checks

{todo}: every requirement, stated so that an independent correct solution passes: statuses,
headers, bodies, edge cases. Where two answers are acceptable, say both. Nothing is graded that
this section does not state.

## What to change

{todo}: the files and the TODOs in them.

## Try it by hand

```sh
sandbox run            # serves your app on http://127.0.0.1:5000
curl -i http://127.0.0.1:5000/
```

{todo}: what each command should print.

## Points

6 points: one per check above. {todo}: the split, if the grader weighs checks differently.

## What you may use

Flask and the Python standard library; the README of the tool lists every package in the image.
"""

_APP = '''\
"""{what}"""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    # {todo}: {hint}
    return jsonify(status="{status}")
'''

_GRADER_HEAD = '''\
"""The grader of {slug}: each test's docstring is what the learner reads."""

import pytest

from sandbox.grading import expect
'''

_GRADER_TEST = '''

@pytest.mark.points(1)
def test_requirement_{n}(app):
    """{todo}: requirement {n} of the README, in the learner's words"""
    response = app.get("/")
    expect.status(response, 200, why="{todo}: why requirement {n} matters")
'''

_EXAMPLES = """\
# Golden examples for `sandbox verify` (trusted side: never shipped to learners).
# "full": a correct solution written differently from the reference; "loses": one stated bug.

[correct-one]
expected = "full"

[correct-two]
expected = "full"

[bug-one]
expected = "loses"
breaks = "{todo}: the one README requirement this submission breaks"

[bug-two]
expected = "loses"
breaks = "{todo}: the one README requirement this submission breaks"

[bug-three]
expected = "loses"
breaks = "{todo}: the one README requirement this submission breaks"
"""


def new_exercise(root: Path, slug: str, track: str) -> list[Path]:
    """Write the exercise, its grader and examples under the course `root`; add it to the
    track. Returns the files written. Refuses to overwrite anything."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", slug):
        raise UsageError(f"{slug!r} is not a valid slug: lowercase letters, digits and -")
    learning = load_path(root)
    if learning.file is None:
        raise UsageError(f"{root / 'exercises' / PATH_FILE} does not exist: the course has no path")
    if track not in {t.id for t in learning.tracks}:
        known = ", ".join(t.id for t in learning.tracks)
        raise UsageError(f"unknown track {track!r}; the learning path has: {known}")
    exercise, grader = root / "exercises" / slug, root / "graders" / slug
    for folder in (exercise, grader):
        if folder.exists():
            raise UsageError(f"{folder} already exists; choose another slug")
    topic = track if track in learning.topics else sorted(learning.topics)[0]
    files = {
        exercise / "exercise.toml": _TOML.format(slug=slug, todo=TODO, topic=topic),
        exercise / "README.md": _README.format(todo=TODO),
        exercise / "starter" / "app.py": _APP.format(
            what="The starter: it runs, and the TODOs say what is missing.",
            todo=TODO,
            hint="leave the learner something to do",
            status="todo",
        ),
        exercise / "solution" / "app.py": _APP.format(
            what="The reference solution: short, idiomatic, commented where it teaches.",
            todo=TODO,
            hint="the reference answer",
            status="ok",
        ),
        grader / "examples" / "examples.toml": _EXAMPLES.format(todo=TODO),
    }
    files[grader / f"test_{slug.replace('-', '_')}.py"] = _GRADER_HEAD.format(slug=slug) + "".join(
        _GRADER_TEST.format(todo=TODO, n=n) for n in range(1, 7)
    )
    for name in ("correct-one", "correct-two", "bug-one", "bug-two", "bug-three"):
        files[grader / "examples" / name / "app.py"] = _APP.format(
            what=f"Golden example {name}.", todo=TODO, hint="write this example", status="ok"
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _add_to_track(learning.file, track, slug)
    return [*files, learning.file]


def _add_to_track(path: Path, track: str, slug: str) -> None:
    """Append `slug` to the track's `exercises = [...]` in path.toml, keeping the rest as is."""
    text = path.read_text(encoding="utf-8")
    block = re.search(
        rf'^\[\[tracks\]\]\s*\n(?:(?!\[\[tracks\]\]).*\n)*?id\s*=\s*"{re.escape(track)}"',
        text,
        re.M,
    )
    if block is None:
        raise UsageError(f"cannot find track {track!r} in {path}; add {slug!r} to it by hand")
    listing = re.compile(r"^exercises\s*=\s*\[(.*?)\]", re.M | re.S).search(text, block.end())
    if listing is None:
        raise UsageError(f"track {track!r} in {path} has no `exercises = [...]`; add it by hand")
    inner = listing.group(1).rstrip()
    sep = ", " if inner.strip() and not inner.rstrip().endswith(",") else ""
    new_inner = f'{inner}{sep}"{slug}"' if inner.strip() else f'"{slug}"'
    path.write_text(text[: listing.start(1)] + new_inner + text[listing.end(1) :], encoding="utf-8")
