"""What the app must not be able to do to the services (the app is the hostile probe)."""

import pytest


@pytest.fixture(scope="module")
def facts(app, redis, postgres, clock):
    r = app.get("/facts", timeout=20)
    assert r.status_code == 200, r.text[:2000]
    return r.json()


@pytest.mark.points(1)
def test_the_environment_gains_exactly_the_services(facts):
    """The app's environment: the allow-list plus the declared services' variables."""
    allowed = {"PATH", "HOME", "LANG", "TMPDIR", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    services = {
        "REDIS_URL",
        "DATABASE_URL",
        "UPSTREAM_URL",
        "UPSTREAM_URLS",
        "LD_PRELOAD",
        "FAKETIME_TIMESTAMP_FILE",
        "FAKETIME_NO_CACHE",
    }
    # Set inside the process: locale coercion, werkzeug, and libfaketime (its shared-memory ids).
    added_in_process = {"LC_CTYPE", "WERKZEUG_SERVER_FD", "FAKETIME_SHARED"}
    assert set(facts["env"]) - added_in_process == allowed | services, facts["env"]


@pytest.mark.points(1)
def test_the_services_cannot_be_signalled(facts):
    """SIGKILL to redis-server and postgres is refused (other uids)."""
    assert set(facts["pids"]) == {"redis-server", "postgres"}, facts["pids"]
    assert facts["signal"] == {"redis-server": "EPERM", "postgres": "EPERM"}, facts["signal"]


@pytest.mark.points(1)
def test_postgres_files_cannot_be_read(facts):
    """The cluster's tmpfs and the image's template are closed to the app."""
    assert facts["read_pg_dir"] == "EACCES" and facts["read_template"] == "EACCES", facts


@pytest.mark.points(1)
def test_the_clock_file_cannot_be_written(facts):
    """The clock's offset file is the grader's."""
    assert facts["write_clock"] in {"EACCES", "EROFS"}, facts["write_clock"]


@pytest.mark.points(1)
def test_no_way_in_as_superuser(facts):
    """No superuser over TCP, no login without the password, no other database."""
    for key in ("superuser_tcp", "app_no_password", "app_other_db"):
        assert facts[key] == "OperationalError", (key, facts[key])


@pytest.mark.points(1)
def test_the_statement_count_cannot_be_touched(facts, postgres):
    """The app's role is no superuser: it can neither reset nor switch off the count."""
    assert facts["app_is_superuser"] is False, facts
    # The view lives in the `postgres` database, which the app cannot enter; nor can it create
    # the extension in its own (not a trusted extension).
    assert facts["app_create_extension"] == "InsufficientPrivilege", facts["app_create_extension"]
    assert facts["app_reset_stats"] == "UndefinedFunction", facts["app_reset_stats"]
    assert facts["app_untrack"] == "InsufficientPrivilege", facts["app_untrack"]
