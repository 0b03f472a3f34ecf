import uuid

import pytest


@pytest.fixture(scope="module")
def library(app, postgres):
    """Authors and books inserted behind the app's back, with the grader's own connection."""
    app.get("/authors")  # the app creates its tables at start-up
    expected = []
    with postgres.admin() as conn:
        for i in range(5):
            name = f"author-{uuid.uuid4().hex[:6]}"
            (author_id,) = conn.execute(
                "INSERT INTO authors (name) VALUES (%s) RETURNING id", (name,)
            ).fetchone()
            titles = [f"book-{uuid.uuid4().hex[:6]}" for _ in range(i)]
            for title in titles:
                conn.execute(
                    "INSERT INTO books (author_id, title) VALUES (%s, %s)", (author_id, title)
                )
            expected.append({"name": name, "books": titles})
    return expected


@pytest.mark.points(1)
def test_lists_authors_with_books(app, library):
    """GET /authors lists every author with their books."""
    body = app.get("/authors").json()
    assert body == library, f"GET /authors returned {body}; expected {library}"


@pytest.mark.points(1)
def test_at_most_two_statements(app, postgres, library):
    """GET /authors runs at most 2 statements on the server, whatever the number of authors."""
    with postgres.count_statements() as counted:
        app.get("/authors")
    assert counted.total <= 2, f"GET /authors: {counted.describe()}; expected at most 2"


@pytest.mark.points(1)
def test_the_app_is_not_superuser(app, postgres):
    """(The toolkit) the app's role is unprivileged and owns its database."""
    with postgres.admin() as conn:
        row = conn.execute(
            "SELECT rolsuper, pg_catalog.pg_get_userbyid(d.datdba) FROM pg_roles r, pg_database d"
            " WHERE r.rolname = 'app' AND d.datname = 'app'"
        ).fetchone()
    assert row == (False, "app"), row


@pytest.mark.points(1)
def test_a_recreated_database_is_empty_and_the_apps(app, postgres):
    """(The toolkit) recreate_database() leaves an empty database `app` that the app owns."""
    postgres.recreate_database()  # last in this file: the app's tables are gone after it
    with postgres.admin() as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()
        owner = conn.execute(
            "SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'"
        ).fetchone()
    assert tables == (0,) and owner == ("app",), (tables, owner)
