"""
Operator links (lib12333.host.links.delivery) on the gateway's PostgreSQL store (review of issue 16):
the operator's message ids, status reports and deliver ids are written with the same SQL on both
back ends, and several workers creating those tables at their first use do not collide.
"""

from types import SimpleNamespace

from lib12333.host.gateway import db
from lib12333.host.links import delivery
from tests.host.test_gateway_pg_cli_review import at_once

NOW = 1_796_083_200


def _outgoing_row(conn):
    conn.execute("INSERT INTO outgoing (kind, to_number, body, created_at) VALUES ('notice', '13912345678', ?, ?)",
                 (b"x", NOW))
    return conn.execute("SELECT MAX(id) FROM outgoing").fetchone()[0]


def test_message_ids_reports_and_delivers_on_both_back_ends(gateway_db):
    conn = db.connect(gateway_db())
    out_id = _outgoing_row(conn)
    delivery.remember(conn, out_id, "cmpp-a", ["m1", "m2"], NOW)
    delivery.remember(conn, out_id, "cmpp-a", ["m2"], NOW + 1)  # a part's id told again: one row
    assert delivery.find(conn, "cmpp-a", "m2") == out_id and delivery.find(conn, "cmpp-b", "m2") is None
    assert conn.execute("SELECT COUNT(*) FROM link_message_ids").fetchone()[0] == 2
    report = SimpleNamespace(delivered=True, stat="DELIVRD", message_id="m2", link="cmpp-a")
    assert delivery.record(conn, out_id, report, NOW + 2)
    assert delivery.state(conn, out_id) == ("delivered", "DELIVRD")
    assert not delivery.seen(conn, "cmpp-a", "k1")
    delivery.mark(conn, "cmpp-a", "k1", NOW)
    delivery.mark(conn, "cmpp-a", "k1", NOW)
    assert delivery.seen(conn, "cmpp-a", "k1")


def test_workers_using_the_link_tables_for_the_first_time_at_once_do_not_collide(pg_server):
    url = pg_server.new_database()
    db.connect(url).close()
    conns = [db.connect(url) for _ in range(6)]

    def first_use(conn):
        delivery.mark(conn, "cmpp-a", "k-%d" % id(conn), NOW)
        delivery.state(conn, 1)
        delivery.find(conn, "cmpp-a", "m1")

    assert at_once(conns, first_use) == []
    assert conns[0].execute("SELECT COUNT(*) FROM link_delivers").fetchone()[0] == 6
