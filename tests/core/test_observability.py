"""Every request gets an id and one log line; in JSON each line is an object a machine can read."""

from __future__ import annotations

import json
import logging

from shop import create_app
from shop.core.observability import JsonFormatter, RequestIdFilter
from tests.factories import log_in_as, make_user


def _request_lines(caplog):
    return [record for record in caplog.records if record.name == "shop.request"]


def test_each_request_has_an_id_and_one_line_with_status_duration_and_role(client, db, caplog):
    caplog.set_level(logging.INFO, logger="shop.request")

    response = client.get("/producten?q=kaas")

    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    [line] = _request_lines(caplog)
    assert (line.method, line.path, line.status, line.role) == ("GET", "/producten", 200, "anonymous")
    assert line.duration_ms >= 0
    assert "q=kaas" not in line.getMessage()  # query strings may hold tokens: never logged


def test_the_role_of_a_logged_in_visitor_is_logged(client, db, caplog):
    log_in_as(client, make_user())
    db.session.commit()
    caplog.set_level(logging.INFO, logger="shop.request")

    client.get("/account")

    assert _request_lines(caplog)[-1].role == "customer"


def test_an_id_sent_by_the_browser_is_not_believed_without_a_trusted_proxy(client, db):
    response = client.get("/", headers={"X-Request-ID": "chosen-by-an-attacker"})

    assert response.headers["X-Request-ID"] != "chosen-by-an-attacker"


def test_the_proxys_request_id_is_kept_behind_a_trusted_proxy(tmp_path):
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "TRUSTED_PROXIES": 1,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})

    response = app.test_client().get("/taal/nl", headers={"X-Request-ID": "proxy-1234abcd"})

    assert response.headers["X-Request-ID"] == "proxy-1234abcd"


def test_json_lines_carry_the_request_id_the_fields_and_the_traceback(app):
    formatter, request_filter = JsonFormatter(), RequestIdFilter()
    with app.test_request_context("/"):
        from flask import g

        g.request_id = "abc123abc123"
        try:
            raise ValueError("kapot")
        except ValueError:
            record = logging.getLogger("shop.test").makeRecord(
                "shop.test", logging.ERROR, __file__, 1, "betaling %s mislukt", ("LOV-1",), __import__("sys").exc_info(),
                extra={"order": "LOV-1"})
        request_filter.filter(record)

    entry = json.loads(formatter.format(record))

    assert (entry["level"], entry["logger"], entry["message"]) == ("error", "shop.test", "betaling LOV-1 mislukt")
    assert (entry["request_id"], entry["order"]) == ("abc123abc123", "LOV-1")
    assert "ValueError: kapot" in entry["error"]
