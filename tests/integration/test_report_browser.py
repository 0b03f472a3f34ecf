"""The class report in a real browser: headless Debian Chromium renders it, we check the DOM it
built and that the screenshot is a real page (right size, not blank).

Run `make browser` first to install Chromium; without it these tests skip.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sandbox.reports.html import render_report
from sandbox.results import Result, Status, TestResult, TestStatus

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 2000
EXERCISE = "http-handler"

# (name, points, description)
TESTS = [
    ("test_list_returns_the_seeded_items", 1, "GET /items lists the seeded items"),
    ("test_get_item_by_id", 1, "GET /items/<id> returns one item"),
    ("test_get_unknown_id_is_404_json", 1, "An unknown id is a JSON 404"),
    ("test_create_returns_201_with_the_item", 2, "POST /items answers 201 with the new item"),
    ("test_create_sets_location_to_the_new_item", 1, "POST sets Location to the new item"),
    ("test_create_rejects_a_bad_name", 1, "A missing or empty name is a 400"),
    (
        "test_create_rejects_a_body_that_is_not_a_json_object",
        1,
        "A body that is not a JSON object is a 400",
    ),
    ("test_405_is_json_and_keeps_the_allow_header", 2, "405 is JSON and keeps the Allow header"),
]
MAX = float(sum(points for _, points, _ in TESTS))


def graded(failed: set[int], *, hostile_output: bool = False) -> Result:
    """A pass/fail result where the tests at the indexes in `failed` failed."""
    tests = []
    for i, (name, points, description) in enumerate(TESTS):
        ok = i not in failed
        tests.append(
            TestResult(
                name=name,
                status=TestStatus.PASSED if ok else TestStatus.FAILED,
                score=float(points) if ok else 0.0,
                max_score=float(points),
                description=description,
                message="" if ok else f"AssertionError: expected status 201, got 200 ({name})",
                output=""
                if ok
                else (
                    '<img src=x onerror=alert(1)> 127.0.0.1 - - "POST /items HTTP/1.1" 200 -'
                    if hostile_output
                    else '127.0.0.1 - - "POST /items HTTP/1.1" 200 -'
                ),
                hidden=i == 7,
                duration_s=0.05,
            )
        )
    score = sum(t.score for t in tests)
    status = Status.PASS if not failed else Status.FAIL
    message = "All tests passed." if not failed else f"{len(failed)} of {len(TESTS)} tests failed."
    return Result(
        exercise=EXERCISE,
        status=status,
        score=score,
        max_score=MAX,
        message=message,
        duration_s=3.2 + len(failed) * 0.4,
        runner="docker",
        image="sandbox-runner:1f3a9c",
        tests=tests,
    )


def not_graded(
    status: Status, message: str, *, ran: int = 0, infrastructure: bool = False
) -> Result:
    """A result that could not be graded; the first `ran` tests ran (and passed), the rest did not."""
    tests = (
        [
            TestResult(
                name=name,
                status=TestStatus.PASSED if i < ran else TestStatus.NOT_RUN,
                score=float(points) if i < ran else 0.0,
                max_score=float(points),
                description=description,
                message="" if i < ran else "not run: grading was stopped before this test",
            )
            for i, (name, points, description) in enumerate(TESTS)
        ]
        if ran
        else []
    )
    return Result(
        exercise=EXERCISE,
        status=status,
        score=0.0,
        max_score=MAX,
        message=message,
        duration_s=30.0 if status is Status.TIMEOUT else 1.1,
        runner="docker",
        tests=tests,
        complete=not ran,
        infrastructure=infrastructure,
    )


def crafted_class() -> list[tuple[str, Result]]:
    """15 students: 3 pass, 6 fail, and one of each way a submission can fail to be graded."""
    return [
        ("ada.lovelace", graded(set())),
        ("alan.turing", graded({7})),
        ("barbara.liskov", graded(set())),
        ("dennis.ritchie", graded({4, 6, 7}, hostile_output=True)),
        (
            "donald.knuth",
            not_graded(
                Status.ERROR,
                "Your app did not start: ImportError: cannot "
                "import name 'jsonify' from 'flsk'\n  File \"app.py\", line 1",
            ),
        ),
        (
            "edsger.dijkstra",
            not_graded(
                Status.TIMEOUT,
                "Time limit exceeded: grading stopped after 30 s. Look for a loop that never ends.",
                ran=3,
            ),
        ),
        ("frances.allen", graded({3, 4, 5, 6, 7})),
        ("grace.hopper", graded({6, 7})),
        (
            "john.backus",
            not_graded(
                Status.REJECTED,
                "Rejected: the submission is 48 MB; the limit "
                "is 5 MB. Remove virtualenvs and data files.",
            ),
        ),
        ("ken.thompson", graded({4, 7})),
        ("barbara.oom", not_graded(Status.OOM, "Out of memory: the app went over 256 MB.")),
        ("linus.torvalds", graded({0, 1, 2, 3, 4, 5, 6, 7})),
        ("margaret.hamilton", graded(set())),
        ("radia.perlman", not_graded(Status.MISSING, "No submission found for this student.")),
        (
            "tim.berners-lee",
            not_graded(
                Status.ERROR,
                "Could not grade: the grader produced no "
                "readable result (container exit code 137). This is not "
                "your code's fault; try again, and report it if it persists.",
                infrastructure=True,
            ),
        ),
    ]


# ---------------------------------------------------------------- PNG, with the standard library


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit non-interlaced RGB/RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    bpp = 4 if colour == 6 else 3
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:  # Sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:  # Up
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev, strict=True))
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def pixels(rows: list[bytes], bpp: int, step: int = 4) -> list[tuple[int, int, int]]:
    """Every `step`-th pixel of every `step`-th row, as RGB."""
    out = []
    for row in rows[::step]:
        for x in range(0, len(row), bpp * step):
            out.append((row[x], row[x + 1], row[x + 2]))
    return out


# ---------------------------------------------------------------- DOM


class DomCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.bars: list[dict[str, str]] = []
        self.students = 0
        self.buttons: list[dict[str, str | None]] = []
        self.elements: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(tag)
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "rect" and "bar" in classes:
            self.bars.append({k: v or "" for k, v in a.items()})
        if tag == "details" and "student" in classes:
            self.students += 1
        if tag == "button":
            self.buttons.append(a)

    handle_startendtag = handle_starttag


# ---------------------------------------------------------------- the browser


def chromium() -> str:
    path = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if path is None:
        pytest.skip("chromium not installed: run `make browser`")
    return path


def run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},{HEIGHT}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    binary = chromium()
    tmp = tmp_path_factory.mktemp("report")
    page = tmp / "report.html"
    page.write_text(
        render_report("HTTP: a JSON handler", crafted_class(), "2025-11-25 14:00 UTC"),
        encoding="utf-8",
    )
    return binary, page


def test_chromium_renders_the_dom(rendered: tuple[str, Path], tmp_path: Path) -> None:
    binary, page = rendered
    proc = run_chromium(binary, tmp_path / "profile", "--dump-dom", page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = DomCounter()
    dom.feed(proc.stdout)

    # 10 buckets of 10 % plus the grey 'not graded' bar, with the right counts: the crash, the
    # timeout, the rejected archive and the OOM scored 0 (theirs); missing and ours are unscored.
    assert len(dom.bars) == 11
    counts = [int(b["data-count"]) for b in dom.bars]
    assert counts == [5, 0, 0, 1, 0, 0, 1, 2, 1, 3, 2]
    assert "bar-ungraded" in dom.bars[-1]["class"]
    assert all(float(b["height"]) > 0 for b, c in zip(dom.bars, counts, strict=True) if c)

    # Every student has a row, and their names made it through.
    assert dom.students == 15
    for student, _ in crafted_class():
        assert student in proc.stdout

    # The inline script ran (so its CSP hash is right): it unhides the expand/collapse buttons.
    assert len(dom.buttons) == 2 and all("hidden" not in b for b in dom.buttons)

    # Learner output stayed text: the <img onerror> in a captured output never became an element.
    assert "img" not in dom.elements
    assert "&lt;img src=x onerror=alert(1)&gt;" in proc.stdout


def test_screenshot_is_a_real_page(rendered: tuple[str, Path], tmp_path: Path) -> None:
    binary, page = rendered
    png = tmp_path / "report.png"
    proc = run_chromium(
        binary, tmp_path / "profile", f"--screenshot={png}", "--hide-scrollbars", page.as_uri()
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert png.is_file(), proc.stderr[-2000:]

    data = png.read_bytes()
    width, height, rows = decode_png(data)
    assert (width, height) == (WIDTH, HEIGHT)
    bpp = len(rows[0]) // width
    sample = pixels(rows, bpp)
    colours = set(sample)
    non_white = sum(1 for p in sample if p != (255, 255, 255)) / len(sample)
    assert len(colours) > 20, f"only {len(colours)} colours: the page looks blank"
    assert non_white > 0.2, f"only {non_white:.0%} of the page is not white"
    # The accent colour of the histogram bars (#4f46e5) is on screen: the chart was drawn.
    assert (0x4F, 0x46, 0xE5) in colours
    # So is the green of the passing students in the outcomes bar.
    assert (0x22, 0xC5, 0x5E) in colours
