"""
Fixtures shared by the gateway tests: the store on both back ends.

``gateway_db(name)`` gives a database location for the test's back end: a file in
tmp_path (SQLite) or a fresh database on one real PostgreSQL server started for the
session (tests/host/pg_server.py).  Tests that take ``gateway_db`` run once per back end.
"""

import pytest


@pytest.fixture(scope="session")
def pg_server():
    from tests.host.pg_server import PgServer

    server = PgServer().start()
    yield server
    server.stop("immediate")
    server.remove()


# The PostgreSQL half of every back-end pair is in the slow tier: the fast tier runs the gateway on
# SQLite; the tests that take pg_server by name (test_gateway_store.py, test_gateway_workers.py) keep
# PostgreSQL in it.
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def gateway_backend(request):
    return request.param


@pytest.fixture()
def gateway_db(request, gateway_backend, tmp_path, monkeypatch):
    """A function: name -> a new database location (path or postgresql:// URL) of this test's back end."""
    if gateway_backend == "sqlite":
        return lambda name="centre.db": str(tmp_path / name)
    server = request.getfixturevalue("pg_server")
    return lambda name="centre.db": server.new_database()


@pytest.fixture()
def console_db(gateway_db):
    """The gateway database of a console test (tests/host/console_support.build), on the test's back end."""
    return gateway_db()
