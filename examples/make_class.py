"""Build the example class for `http-handler` in examples/http-handler-class/ (run from the repo root).

One entry per student, covering every outcome staff meet: full marks (folder, zip, tar.gz),
partial, syntax error, empty, crash at start-up, infinite loop, a hanging handler, a memory hog,
a forger, two malicious archives — and a roster with one student who submitted nothing.
The output is committed; rerun this only to change the class.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "exercises" / "http-handler"
OUT = ROOT / "examples" / "http-handler-class"
SOLUTION = (EX / "solution" / "app.py").read_text()
STARTER = (EX / "starter" / "app.py").read_text()

# Forgets 201 + Location: a realistic partial solution.
PARTIAL = SOLUTION.replace("    response.status_code = 201\n", "").replace(
    '    response.headers["Location"] = f"/items/{item_id}"\n', "")
assert PARTIAL != SOLUTION


def folder(student: str, files: dict[str, str]) -> None:
    target = OUT / "submissions" / student
    target.mkdir(parents=True)
    for name, text in files.items():
        (target / name).write_text(text)


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    subs = OUT / "submissions"
    subs.mkdir(parents=True)
    folder("alice", {"app.py": SOLUTION})
    with zipfile.ZipFile(subs / "bob.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bob/app.py", SOLUTION)  # wrapped in a top folder, as zips of a folder are
    with tarfile.open(subs / "carol.tar.gz", "w:gz") as tf:
        data = PARTIAL.encode()
        info = tarfile.TarInfo("app.py")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    folder("dave", {"app.py": STARTER})
    folder("erin", {"app.py": SOLUTION.replace("def ", "def def ", 1)})  # syntax error
    with zipfile.ZipFile(subs / "frank.zip", "w"):  # an empty archive (git keeps no empty folder)
        pass
    folder("grace", {"app.py": SOLUTION + '\nraise RuntimeError("config file missing")\n'})
    folder("heidi", {"app.py": "import time\nwhile True:\n    time.sleep(0.1)\n" + SOLUTION})
    folder("judy", {"app.py": SOLUTION.replace('def list_items():\n', 'def list_items():\n    import time\n    time.sleep(3600)\n', 1)})
    folder("niaj", {"app.py": "hog = []\nwhile True:\n    hog.append(bytearray(32 * 2**20))\n" + SOLUTION})
    folder("olivia", {  # tries to forge a pass; scores what the starter earns
        "app.py": STARTER,
        "conftest.py": "import pytest\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
                       "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n",
        "pytest.ini": "[pytest]\naddopts = -p no:sandbox --co\n",
        "sitecustomize.py": "import os\nos.environ['FORGED'] = '1'\n",
    })
    with zipfile.ZipFile(subs / "ivan.zip", "w") as zf:  # path traversal
        zf.writestr("app.py", SOLUTION)
        zf.writestr("../../evil.py", "print('escaped')\n")
    with tarfile.open(subs / "mallory.tar.gz", "w:gz") as tf:  # symlink to a host file
        link = tarfile.TarInfo("app.py")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    folder("peggy", {"app.py": PARTIAL.replace('@app.errorhandler(HTTPException)', '@app.errorhandler(418)', 1)})
    (OUT / "roster.csv").write_text("student,name\n" + "".join(
        f"{s},{s.title()}\n" for s in ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
                                        "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "zoe"]))
    print(f"wrote {len(list(subs.iterdir()))} submissions and a roster to {OUT}")


if __name__ == "__main__":
    main()
