"""The grader of static-files: a static server for public/ at /assets/.

Contract: exercises/static-files/README.md. The grader writes files of random content into the
app's public/ folder (and a secret next to it, outside public/), so a hard-coded answer cannot
pass and a traversal that works shows the secret. Traversal paths are sent byte for byte
(http.client), because HTTP libraries would tidy `..` away before sending.

Mutants (`sandbox verify static-files --mutants`) that survive are equivalent: the 404
handler's status 404 -> 405 and its message emptied (a 404 stays a 404, with Flask's own body;
the README states the status only).
"""

import base64
import http.client
import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.grading import expect, unique

# Writes files as the learner (in the container the grader may not write into the app's folder).
_WRITER = """
import base64, json, os, sys
for rel, data in json.load(sys.stdin).items():
    os.makedirs(os.path.dirname(rel) or ".", exist_ok=True)
    with open(rel, "wb") as fh:
        fh.write(base64.b64decode(data))
"""


def random_text():
    return f"{unique('content')}\n{secrets.token_hex(64)}\n".encode()


class Site:
    """Every file the grader puts in public/ (and one secret beside it), written once."""

    def __init__(self):
        self.files = {}  # path under the app folder -> bytes
        self.secret_name = f"{unique('secret')}.txt"
        self.secret = f"secret {unique('s')}".encode()
        self.files[self.secret_name] = self.secret

    def add(self, relative, data=None):
        data = random_text() if data is None else data
        self.files[f"public/{relative}"] = data
        return f"/assets/{relative}", data

    def text(self, suffix=".txt", folder=""):
        return self.add(f"{folder}{unique('f')}{suffix}")

    def write(self, app):
        payload = json.dumps({k: base64.b64encode(v).decode() for k, v in self.files.items()})
        uid = app.spec.learner_uid
        user = {} if uid is None else {"user": uid, "group": uid, "extra_groups": []}
        subprocess.run(
            [sys.executable, "-I", "-S", "-c", _WRITER],
            input=payload.encode(), cwd=app.workdir, check=True, timeout=20,
            env={"PATH": "/usr/bin:/bin"}, **user,
        )


# Planned before any test runs, so one process writes them all.
PLAN = Site()
FILES = {
    "plain": [PLAN.text(folder=f) for f in ["", "docs/", "deep/er/"]],
    "types": {
        suffix: PLAN.text(suffix)
        for suffix in [".html", ".css", ".js", ".json", ".png", ".txt", ".xyz9"]
    },
    "in_dir": PLAN.text(folder="adir/"),
    "sub": PLAN.text(folder="sub/"),
    "head": PLAN.text(".css"),
    "range": PLAN.text(),
    "fingerprinted": [
        PLAN.add(f"bundle.{secrets.token_hex(5)}.js"),
        PLAN.add(f"css/site.{secrets.token_hex(8)}.css"),
    ],
    "plain_names": [
        PLAN.add(f"page-{secrets.token_hex(3)}.html"),
        PLAN.add(f"app-{secrets.token_hex(5)}.js"),
        PLAN.add(f"short.{secrets.token_hex(3)}.css"),
    ],
}


@pytest.fixture(scope="session")
def site(app):
    PLAN.write(app)
    return FILES


def raw_get(app, path):
    """GET exactly this path, unnormalised; (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=5)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read(200_000)
    finally:
        conn.close()


def directives(r):
    return {d.strip().lower() for d in r.headers.get("Cache-Control", "").split(",") if d.strip()}


@pytest.mark.points(2)
def test_files_are_served_byte_for_byte(app, site, checks):
    """GET /assets/<path> answers 200 with the file's exact bytes, in subfolders too."""
    for path, data in site["plain"]:
        with checks.case(f"GET {path}"):
            r = app.get(path)
            expect.status(r, 200, why="the file exists under public/")
            if r.content != data:
                expect.fail(r, f"the file's {len(data)} bytes exactly")


@pytest.mark.points(2)
def test_content_type_follows_the_extension(app, site, checks):
    """Each file is sent with the Content-Type of its extension; unknown ones as application/octet-stream."""
    cases = [
        (".html", ("text/html",)),
        (".css", ("text/css",)),
        (".js", ("text/javascript", "application/javascript")),
        (".json", ("application/json",)),
        (".png", ("image/png",)),
        (".txt", ("text/plain",)),
        (".xyz9", ("application/octet-stream",)),
    ]
    for suffix, wanted in cases:
        path, _ = site["types"][suffix]
        with checks.case(f"GET {path}"):
            r = app.get(path)
            expect.status(r, 200)
            got = r.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if got not in wanted:
                expect.fail(
                    r,
                    f"Content-Type {' or '.join(wanted)}, not {got or 'none'}",
                    "the browser decides from it how to treat the bytes: render, run or save",
                )


@pytest.mark.points(1)
def test_missing_files_and_directories_are_404(app, site, checks):
    """A missing file, a folder and a folder with a trailing slash answer 404."""
    for path in [f"/assets/{unique('missing')}.css", "/assets/adir", "/assets/adir/"]:
        with checks.case(f"GET {path}"):
            r = app.get(path)
            expect.status(r, 404, why="only regular files are served; folders are not listed")


@pytest.mark.points(3)
def test_traversal_is_refused(app, site, checks):
    """../, %2e%2e, encoded slashes, backslashes, absolute paths, other URLs: never out of public/."""
    secret, secret_name = PLAN.secret, PLAN.secret_name
    paths = [
        f"/assets/../{secret_name}",
        f"/assets/sub/../../{secret_name}",
        f"/assets/%2e%2e/{secret_name}",
        f"/assets/%2E%2E%2F{secret_name}",
        f"/assets/..%2f{secret_name}",
        f"/assets/..%5c{secret_name}",
        f"/assets/..\\{secret_name}",
        "/assets/../app.py",
        "/assets/%2e%2e/app.py",
        f"/assets/{Path(app.workdir) / secret_name}",
        f"/assets//{Path(app.workdir).as_posix().lstrip('/')}/{secret_name}",
        "/assets/%2fetc%2fpasswd",
        "/app.py",  # outside /assets/: e.g. Flask's own static route over the app's folder
        f"/{secret_name}",
    ]
    for path in paths:
        with checks.case(f"GET {path}"):
            status, headers, body = raw_get(app, path)
            leaked = secret in body or b"Flask(" in body or b"root:x:0:0" in body
            location = headers.get("Location", "")
            redirect_inside = status in (301, 302, 307, 308) and re.match(
                r"^(https?://[^/]+)?/assets/", location
            )
            if leaked or not (status in (400, 403, 404) or redirect_inside):
                raise AssertionError(
                    f"GET {path} (sent as is) answered {status}"
                    + (" with a file from outside public/" if leaked else "")
                    + "; expected 400, 403 or 404 (a redirect within /assets/ is fine too).\n"
                    "Why it matters: a path that climbs out of public/ would serve your source "
                    "code, secrets and system files: build paths with a safe join, never by hand"
                )


@pytest.mark.points(1)
def test_head_sends_the_headers_without_the_body(app, site):
    """HEAD answers like GET (status, Content-Type, Content-Length) with no body."""
    path, data = site["head"]
    r = app.request("HEAD", path)
    expect.status(r, 200, why="HEAD is GET without the body")
    expect.no_body(r, why="a HEAD answer never carries a body")
    expect.header(r, "Content-Length", equals=str(len(data)), why="the size the GET would send")
    expect.header(r, "Content-Type", contains="text/css")


@pytest.mark.points(2)
def test_range_requests_get_206(app, site, checks):
    """Range: bytes=… answers 206 Partial Content with those bytes and a Content-Range."""
    path, data = site["range"]
    size = len(data)
    with checks.case(f"GET {path} (no Range)"):
        expect.header(app.get(path), "Accept-Ranges", equals="bytes", why="say that ranges work")
    for header, start, end in [
        ("bytes=0-9", 0, 9),
        (f"bytes=10-{size - 1}", 10, size - 1),
        ("bytes=20-", 20, size - 1),
        ("bytes=-16", size - 16, size - 1),
    ]:
        with checks.case(f"Range: {header}"):
            r = app.get(path, headers={"Range": header})
            expect.status(r, 206, why="a resumed download or a video seek asks for part of a file")
            expect.header(r, "Content-Range", equals=f"bytes {start}-{end}/{size}")
            if r.content != data[start : end + 1]:
                expect.fail(r, f"bytes {start} to {end} of the file ({end - start + 1} bytes)")


@pytest.mark.points(1)
def test_an_unsatisfiable_range_is_416(app, site):
    """A Range that starts past the end answers 416 with Content-Range: bytes */<size>."""
    path, data = site["range"]
    r = app.get(path, headers={"Range": f"bytes={len(data) + 10}-"})
    expect.status(r, 416, why="416 Range Not Satisfiable: there are no such bytes")
    expect.header(r, "Content-Range", equals=f"bytes */{len(data)}",
                  why="the 416 tells the client the real size")


@pytest.mark.points(1)
def test_fingerprinted_files_are_immutable(app, site, checks):
    """Names like app.3f9a1c2e.js are cached for a year: public, max-age=31536000, immutable."""
    for path, _ in site["fingerprinted"]:
        with checks.case(f"GET {path}"):
            r = app.get(path)
            expect.status(r, 200)
            wanted = {"public", "max-age=31536000", "immutable"}
            if not wanted <= directives(r) or "no-cache" in directives(r):
                expect.fail(
                    r,
                    f"Cache-Control: public, max-age=31536000, immutable, not "
                    f"{r.headers.get('Cache-Control')!r}",
                    "the hash in the name changes with the content, so this URL never goes stale",
                )


@pytest.mark.points(1)
def test_other_files_must_be_revalidated(app, site, checks):
    """Other names (index.html, site.css, app-3f9a1c2e.js) are sent with Cache-Control: no-cache."""
    for path, _ in site["plain_names"]:
        with checks.case(f"GET {path}"):
            r = app.get(path)
            expect.status(r, 200)
            if "no-cache" not in directives(r) or "immutable" in directives(r):
                expect.fail(
                    r,
                    f"Cache-Control: no-cache, not {r.headers.get('Cache-Control')!r}",
                    "this name keeps its URL when the content changes: caches must check first",
                )
