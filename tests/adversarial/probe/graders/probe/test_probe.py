"""The probe's grader: each test asks the hostile app what it saw and asserts what must hold.

Run against tests/adversarial/submissions/probe/app.py by tests/adversarial/test_adversarial.py,
which injects SANDBOX_ADVERSARIAL_SECRET into the container's (grader's) environment.
"""

import os

import pytest

LEARNER_UID = 10001
ENV_ALLOWED = {"PATH", "HOME", "LANG", "TMPDIR", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
# Set inside the app's own process: CPython's locale coercion, werkzeug's run_simple.
ENV_ADDED_IN_PROCESS = {"LC_CTYPE", "WERKZEUG_SERVER_FD"}
# The container's bounding set (the grader's SETUID/SETGID/KILL): no path back to them for a
# non-root process without ambient capabilities under no-new-privileges (file caps, setuid bits
# are ignored), but they are listed rather than hidden.
CAP_KILL, CAP_SETGID, CAP_SETUID = 5, 6, 7
CONTAINER_BOUNDING = (1 << CAP_KILL) | (1 << CAP_SETGID) | (1 << CAP_SETUID)
MARKER = "carryover-marker"


def facts(app, path, method="GET"):
    r = app.request(method, path, timeout=15)
    assert r.status_code == 200, f"{method} {path} answered {r.status_code}: {r.text[:500]}"
    return r.json()


@pytest.mark.points(1)
def test_app_runs_as_an_unprivileged_user(app):
    """uid/gid 10001, no supplementary groups, setuid(0)/setgid(0) refused."""
    f = facts(app, "/self")
    assert f["uid"] == f["euid"] == LEARNER_UID, f
    assert f["gid"] == LEARNER_UID and 0 not in f["groups"], f
    assert f["setuid0"] == "EPERM" and f["setgid0"] == "EPERM", f


@pytest.mark.points(1)
def test_app_holds_no_capabilities(app):
    """Effective, permitted, inheritable and ambient sets are empty; bounding is the container's."""
    status = facts(app, "/self")["status"]
    for key in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
        assert int(status[key], 16) == 0, f"{key} = {status[key]}"
    assert int(status["CapBnd"], 16) & ~CONTAINER_BOUNDING == 0, f"CapBnd = {status['CapBnd']}"


@pytest.mark.points(1)
def test_no_new_privileges_and_seccomp(app):
    """NoNewPrivs 1, Seccomp 2 (filter mode), and a setuid-root binary does not elevate."""
    f = facts(app, "/self")
    assert f["status"]["NoNewPrivs"] == "1", f["status"]
    assert f["status"]["Seccomp"] == "2", f["status"]
    assert f["setuid_binary"]["code"] != 0, f["setuid_binary"]


@pytest.mark.points(1)
def test_mount_unshare_chroot_fail(app):
    """mount(2), unshare(2) of user/mount/net namespaces and chroot(2) are refused."""
    f = facts(app, "/escape")
    for key in ("mount", "unshare_user", "unshare_mount", "unshare_net", "chroot"):
        assert f[key] == "EPERM", f"{key}: {f[key]} (all: {f})"


@pytest.mark.points(1)
def test_ptrace_of_the_grader_fails(app):
    """PTRACE_ATTACH to pid 1 and to the app's parent (the grader) is refused."""
    f = facts(app, "/escape")
    assert f["ptrace_pid1"] == "EPERM", f
    assert f["ptrace_parent"] == "EPERM", f


@pytest.mark.points(1)
def test_only_the_loopback_interface_exists(app):
    """/proc/net/dev lists only lo (so does if_nameindex() where netlink is allowed: gVisor);
    the routing table is empty."""
    f = facts(app, "/net")
    assert f["if_nameindex"] in (["lo"], "EPERM"), f
    assert f["proc_net_dev"] == ["lo"], f
    assert f["routes"] == [], f


@pytest.mark.points(1)
def test_no_route_off_the_machine(app):
    """connect() to 1.1.1.1:53 and its IPv6 twin fails at once: there is no route."""
    f = facts(app, "/net")
    assert f["connect"]["1.1.1.1"] == "ENETUNREACH", f["connect"]
    assert f["connect"]["2606:4700:4700::1111"] in {"ENETUNREACH", "EADDRNOTAVAIL"}, f["connect"]


@pytest.mark.points(1)
def test_name_resolution_fails(app):
    """getaddrinfo('example.com') fails: no DNS server is reachable."""
    f = facts(app, "/net")
    assert isinstance(f["resolve"], str) and "gaierror" in f["resolve"], f["resolve"]


@pytest.mark.points(1)
def test_app_environment_is_the_allow_list(app):
    """The app's environment holds only the allow-listed variables."""
    environ = facts(app, "/env")["environ"]
    extra = set(environ) - ENV_ALLOWED - ENV_ADDED_IN_PROCESS
    assert not extra, f"unexpected variables in the app's environment: {sorted(extra)}"
    assert environ["HOME"] != os.environ.get("HOME"), "the app shares the grader's HOME"


@pytest.mark.points(1)
def test_grader_secrets_stay_in_the_grader(app):
    """A secret in the grader's environment is neither in the app's nor readable via /proc."""
    secret = os.environ.get("SANDBOX_ADVERSARIAL_SECRET")
    assert secret, "the suite injects SANDBOX_ADVERSARIAL_SECRET into the container"
    f = facts(app, "/env")
    assert secret not in repr(f["environ"])
    readable = {pid: r for pid, r in f["other_environ"].items() if r not in {"EACCES", "EPERM"}}
    assert "1" in f["other_environ"], f"pid 1 not seen: {f['other_environ']}"
    assert not readable, f"other processes' environments readable or odd: {readable}"


@pytest.mark.points(1)
def test_job_files_are_out_of_reach(app):
    """/job/job.json, /job/out and /run/grader are unreadable; no forged result can be written."""
    f = facts(app, "/job")
    assert f["job_json"] == "EACCES", f
    assert f["listing"]["/job/out"] == "EACCES", f["listing"]
    assert f["listing"]["/run/grader"] == "EACCES", f["listing"]
    for path, outcome in f["writes"].items():
        assert outcome in {"EACCES", "EROFS"}, f"writing {path}: {outcome}"


@pytest.mark.points(1)
def test_a_visible_grader_is_readable(app):
    """Control for the hidden-grader case: this exercise's grader is NOT hidden, so it reads."""
    f = facts(app, "/job")
    assert f["grader_files"]["test_probe.py"]["read"] == "ok", f["grader_files"]
    assert "The probe's grader" in f["grader_files"]["test_probe.py"]["head"]


@pytest.mark.points(1)
def test_no_process_of_the_grader_can_be_killed(app):
    """SIGKILL to every process the app sees (and to -1) fails with EPERM for the grader's."""
    report = facts(app, "/kill", method="POST")
    foreign = {pid: r for pid, r in report.items() if pid != "-1" and r["uid"] != LEARNER_UID}
    assert "1" in foreign, f"pid 1 (the grader) not seen: {report}"
    assert all(r["result"] == "EPERM" for r in foreign.values()), report
    assert report["-1"]["result"] in {"ESRCH", "ok"}, report["-1"]


@pytest.mark.points(1)
def test_the_grader_survived_the_kill_attempt(app):
    """After the kill attempt the grader still runs (this test) and the app still answers."""
    facts(app, "/alive")
    assert os.getpid() == 1


@pytest.mark.points(1)
def test_nothing_is_left_by_an_earlier_job(app):
    """No file and no process from a previous job (marked carryover-marker) is visible."""
    f = facts(app, "/leftovers")
    assert not [n for n in f["files"] if MARKER in n], f["files"]
    assert not [c for c in f["processes"].values() if MARKER in c], f["processes"]
    assert not [n for n in f["files"] if n.startswith("/work/") and "/app" not in n], f["files"]
