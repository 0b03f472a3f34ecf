"""The grader of file-upload: multipart uploads kept safe, checked over HTTP and on disk.

Contract: exercises/file-upload/README.md. Every upload carries random bytes, so the grader can
find exactly where each one landed in the app's folder (regular files only, symlinks never
followed, sizes capped).

Mutants (`sandbox verify file-upload --mutants`) that survive are equivalent: the error bodies
(the JSON error handler's body and type, each message: the README states statuses only), the
display-name steps that another step makes redundant (the ASCII fold, the last-path-part split,
the `_` for a run of odd characters, the `..` collapse: the name stays safe either way, which is
what the README promises), the id's length (`token_hex(16)` -> 17) and `mkdir(exist_ok=False)`
(uploads/ does not exist when the app starts).
"""

import os
import re
import secrets
import stat
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from sandbox.grading import expect, unique

PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff\xe0"
PDF = b"%PDF-1.7\n"
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
READ_LIMIT = 4 * 1024 * 1024


def content(magic=PNG, size=2000):
    """Bytes that start like the type and are unique to this upload."""
    marker = unique("upload").encode()
    return magic + marker + secrets.token_bytes(max(size - len(magic) - len(marker), 0))


def what(r):
    """The request in words; an upload is named by its file, not by its multipart bytes."""
    return getattr(r, "what", None) or expect.sent(r)


def fail(r, expected, why=""):
    message = f"{what(r)} answered {expect.got(r)}; expected {expected}."
    if why:
        message += f"\nWhy it matters: {why.rstrip('.')}."
    raise AssertionError(message)


def status(r, wanted, why=""):
    allowed = [wanted] if isinstance(wanted, int) else list(wanted)
    if r.status_code not in allowed:
        fail(r, " or ".join(map(str, allowed)), why)


def upload(app, data, filename="photo.png", content_type="image/png", field="file"):
    r = app.post("/files", files={field: (filename, data, content_type)})
    r.what = (
        f'POST /files with {filename!r} ({len(data)} bytes, sent as {content_type}) in "{field}"'
    )
    return r


def uploaded(app, data, filename="photo.png", content_type="image/png"):
    r = upload(app, data, filename, content_type)
    status(r, 201, why="a PNG, JPEG or PDF under the size limit is accepted")
    try:
        meta = r.json()
    except ValueError:
        meta = None
    if not isinstance(meta, dict) or not {"id", "name", "type", "size"} <= meta.keys():
        fail(r, 'a JSON object with "id", "name", "type" and "size"')
    return r, meta


def download_path(app, r, meta):
    location = r.headers.get("Location")
    if location:
        return urlparse(urljoin(app.url("/files"), location)).path
    return f"/files/{meta['id']}"


def regular_files(root):
    """Every regular file under root (symlinks are listed by os.walk but never followed)."""
    for folder, _dirs, names in os.walk(root, followlinks=False):
        for name in names:
            path = Path(folder) / name
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode):
                yield path, info.st_size


def read_bytes(path):
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        return fh.read(READ_LIMIT)


def where_stored(app, data):
    """The files in the app's folder whose bytes are exactly `data`, relative to it."""
    root = Path(app.workdir)
    return [
        path.relative_to(root)
        for path, size in regular_files(root)
        if size == len(data) and read_bytes(path) == data
    ]


def safe_name_problem(name):
    if isinstance(name, str) and SAFE_NAME.fullmatch(name) and len(name) > 255:
        return (
            f'"name" is {len(name)} characters long: at most 255 (the longest file name most '
            "file systems allow, and what the README promises)"
        )
    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name):
        return (
            f'"name" {name!r} is not safe: only ASCII letters, digits, ".", "-" and "_", '
            "starting with a letter or digit (so never a path, a hidden file or a trick of Unicode)"
        )
    return None


def disposition_filename(value):
    star = re.search(r"filename\*\s*=\s*[\w-]+'[^']*'([^;]+)", value, re.I)
    if star:
        return unquote(star.group(1).strip())
    plain = re.search(r'filename\s*=\s*"?([^";]*)"?', value, re.I)
    return plain.group(1).strip() if plain else None


# --- uploading and downloading --------------------------------------------------------------


@pytest.mark.points(2)
def test_an_upload_answers_201_with_its_metadata(app):
    """POST /files with a PNG answers 201 with id, name, type, size and a Location."""
    data = content(PNG, 3000)
    r, meta = uploaded(app, data, "holiday.png")
    if not all(isinstance(meta[k], str) for k in ("id", "name", "type")):
        fail(r, '"id", "name" and "type" as strings')
    if meta["type"] != "image/png" or meta["size"] != len(data):
        fail(r, f'"type": "image/png" and "size": {len(data)}')
    if not r.headers.get("Location"):
        fail(r, "a Location header", "a 201 says where the new file can be fetched")


@pytest.mark.points(2)
def test_the_download_is_the_same_bytes(app):
    """GET on the Location answers 200 with exactly the bytes uploaded and their detected type."""
    data = content(JPEG, 5000)
    r, meta = uploaded(app, data, "cat.jpg", "image/jpeg")
    got = app.get(download_path(app, r, meta))
    status(got, 200)
    if got.content != data:
        fail(got, f"the {len(data)} bytes uploaded, not {len(got.content)} other bytes")
    expect.header(got, "Content-Type", contains="image/jpeg", why="the type the app detected")


@pytest.mark.points(2)
def test_a_download_is_an_attachment(app, checks):
    """Downloads send Content-Disposition: attachment with the name, and X-Content-Type-Options: nosniff."""
    r, meta = uploaded(app, content(PDF), "report.pdf", "application/pdf")
    got = app.get(download_path(app, r, meta))
    status(got, 200)
    with checks.case("Content-Disposition"):
        value = expect.header(
            got, "Content-Disposition", contains="attachment",
            why="attachment makes the browser save the file instead of rendering it on your origin",
        )
        if disposition_filename(value) != meta["name"]:
            fail(got, f'a filename of "{meta["name"]}" (the name the upload answered)')
    with checks.case("X-Content-Type-Options"):
        expect.header(
            got, "X-Content-Type-Options", equals="nosniff",
            why="without it a browser may guess the type, and run HTML hidden in an 'image'",
        )


@pytest.mark.points(2)
def test_the_type_comes_from_the_content(app, checks):
    """The type is read from the file's first bytes: names and claimed types do not count."""
    accepted = [
        ("a PNG named notes.txt, sent as text/plain", PNG, "notes.txt", "text/plain", "image/png"),
        ("a PDF named data.bin", PDF, "data.bin", "application/octet-stream", "application/pdf"),
        ("a JPEG named pic.png", JPEG, "pic.png", "image/png", "image/jpeg"),
    ]
    for name, magic, filename, claimed, wanted in accepted:
        with checks.case(name):
            r, meta = uploaded(app, content(magic), filename, claimed)
            if meta["type"] != wanted:
                fail(r, f'"type": "{wanted}", from the file\'s first bytes')
    refused = [
        ("HTML named photo.png, sent as image/png", b"<html><script>alert(1)</script>",
         "photo.png", "image/png"),
        ("a shell script named invoice.pdf", b"#!/bin/sh\nrm -rf ~\n", "invoice.pdf",
         "application/pdf"),
        ("an empty file named empty.png", b"", "empty.png", "image/png"),
    ]
    for name, data, filename, claimed in refused:
        with checks.case(name):
            data = data + unique("x").encode() if data else data
            r = upload(app, data, filename, claimed)
            status(r, 415, why="the content is not a PNG, JPEG or PDF, whatever its name says")
            if data and where_stored(app, data):
                fail(r, "nothing stored", "a refused upload leaves no file behind")


@pytest.mark.points(2)
def test_an_upload_over_1_mib_is_413(app, checks):
    """A request body over 1 MiB answers 413 and stores nothing; a 900 kB file is accepted."""
    with checks.case("a 2 MiB PNG"):
        big = content(PNG, 2 * 1024 * 1024)
        r = upload(app, big, "big.png")
        status(r, 413, why="413 Content Too Large: a limit keeps one client from filling the disk")
        if where_stored(app, big):
            fail(r, "nothing stored")
    with checks.case("a PNG of 1,049,000 bytes (just over 1 MiB)"):
        over = content(PNG, 1_049_000)
        status(upload(app, over, "just-over.png"), 413, why="the limit is 1 MiB, 1,048,576 bytes")
    with checks.case("a 900 kB PNG"):
        uploaded(app, content(PNG, 900_000), "medium.png")


@pytest.mark.points(2)
def test_files_are_stored_in_uploads(app):
    """An accepted file is written under uploads/ in the app's folder, and nowhere else."""
    data = content(PNG, 4000)
    r, _ = uploaded(app, data, "stored.png")
    places = where_stored(app, data)
    inside = [p for p in places if p.parts[0] == "uploads"]
    outside = [str(p) for p in places if p.parts[0] != "uploads"]
    if not inside:
        fail(r, f"the bytes in a file under uploads/; found them in {[str(p) for p in places]}")
    if outside:
        fail(r, f"the file only under uploads/, but it is also in {outside}")


@pytest.mark.points(1)
def test_plain_names_are_kept(app):
    """A plain name such as holiday-photo_2024.png is kept as it is."""
    name = f"holiday-photo_{secrets.randbelow(10**6)}.png"
    r, meta = uploaded(app, content(PNG), name)
    if meta["name"] != name:
        fail(r, f'"name": "{name}": it is already safe')


@pytest.mark.points(1)
def test_the_same_name_twice_keeps_both(app):
    """Two different files uploaded under the same name are both kept."""
    first, second = content(PNG), content(PNG)
    r1, m1 = uploaded(app, first, "same.png")
    r2, m2 = uploaded(app, second, "same.png")
    for r, meta, data in ((r1, m1, first), (r2, m2, second)):
        got = app.get(download_path(app, r, meta))
        status(got, 200)
        if got.content != data:
            fail(got, "the bytes of this upload", "a second upload must not overwrite the first")


# --- hostile names -------------------------------------------------------------------------


def hostile_upload(app, checks, filename, landing):
    """Upload under `filename`; it must land under uploads/ only, with a safe name."""
    data = content(PNG)
    with checks.case(f"filename {filename!r}"):
        r = upload(app, data, filename)
        status(r, [201, 400], why="answer with a safe name, or refuse the name; never crash")
        outside = [str(p) for p in where_stored(app, data) if p.parts[0] != "uploads"]
        work = Path(app.workdir)  # files inside it are in `outside` already
        escaped = [str(p) for p in landing if os.path.lexists(p) and not p.is_relative_to(work)]
        if outside or escaped:
            fail(
                r,
                "the file under uploads/ only",
                f"it was written to {outside + escaped}: never build a path from the client's "
                "filename; name the file yourself",
            )
        if r.status_code == 201:
            problem = safe_name_problem(r.json().get("name"))
            if problem:
                fail(r, "a safe name", problem)


@pytest.mark.points(3)
def test_traversal_names_stay_in_uploads(app, checks):
    """Names with ../, absolute paths or backslashes never put a file outside uploads/."""
    work = Path(app.workdir)
    for template in ["../{b}", "../../{b}", "/tmp/{b}", "..\\..\\{b}", "uploads/../{b}",
                     "..%2f..%2f{b}", "static/{b}"]:
        base = f"evil-{secrets.token_hex(4)}.png"
        landing = [work / base, work.parent / base, work.parent.parent / base,
                   Path("/tmp") / base, work / "static" / base]
        hostile_upload(app, checks, template.format(b=base), landing)


@pytest.mark.points(2)
def test_odd_unicode_names_come_back_safe(app, checks):
    """Fullwidth letters, a right-to-left override, a Unicode slash or 300 characters give a
    safe ASCII name (at most 255 characters)."""
    work = Path(app.workdir)
    for template in ["ｅｖｉｌ-{h}.png", "invoice-{h}\u202egnp.exe", "..\u2215..\u2215evil-{h}.png",
                     "résumé-{h}.png", "   ..{h}.png", "写真", "long-{h}-" + "x" * 290 + ".png"]:
        name = template.format(h=secrets.token_hex(3))
        hostile_upload(app, checks, name, [work.parent / name])


@pytest.mark.points(1)
def test_bad_requests_and_unknown_ids(app, checks):
    """No "file" field is a 400; unknown ids and paths in the id are 404 and never leak a file."""
    with checks.case('multipart without a "file" field'):
        r = upload(app, content(PNG), field="document")
        status(r, 400, why='the README names the field "file"')
    with checks.case("a JSON body"):
        r = app.post("/files", json={"file": "x"})
        status(r, [400, 415], why="an upload is multipart/form-data")
    for path in [f"/files/{secrets.token_hex(16)}", "/files/..%2fapp.py", "/files/%2e%2e%2fapp.py",
                 "/files/..%2F..%2Fapp.py"]:
        with checks.case(f"GET {path}"):
            r = app.get(path)
            status(r, 404, why="only ids the app handed out name files")
            if b"Flask(" in r.content:
                fail(r, "not the app's source code", "a path in the id reached the disk")
