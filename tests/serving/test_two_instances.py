"""Two web instances behind nginx, sharing PostgreSQL and Redis, as the README's production section runs them:
a log-in, a cart, a rate limit and a change made through one instance hold through the other.

nginx listens on two ports, each proxying to one instance (so the test knows which instance answers), as a
load balancer would send consecutive requests to different instances (the cluster fixture, tests/serving/conftest.py).
"""

from __future__ import annotations

import re

import requests

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "twee-instanties-2026"


# A customer and a product, written straight into the shared database.
SEED = f"""
from shop import create_app
from shop.extensions import db
from tests.factories import make_product, make_user
app = create_app()
with app.app_context():
    make_user("klant@voorbeeld.be", password={PASSWORD!r})
    make_product("Oude Brugge", price_cents=1250, stock=10)
    db.session.commit()
"""


def _token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.text[:300]
    return CSRF.search(page.text).group(1)


def test_a_log_in_and_a_cart_made_through_one_instance_hold_through_the_other(cluster):
    a, b = cluster.addresses
    browser = requests.Session()

    token = _token(browser, a + "/inloggen")
    login = browser.post(a + "/inloggen", data={"csrf_token": token, "email": "klant@voorbeeld.be",
                                                        "password": PASSWORD}, allow_redirects=False, timeout=30)
    assert login.status_code in (302, 303), login.text[:300]

    account = browser.get(b + "/account", allow_redirects=False, timeout=30)
    assert account.status_code == 200
    assert "klant@voorbeeld.be" in account.text

    product_page = browser.get(b + "/producten", timeout=30).text
    product_id = re.search(r'name="product_id" value="(\d+)"', product_page).group(1)
    added = browser.post(b + "/winkelmand/toevoegen", data={"csrf_token": CSRF.search(product_page).group(1),
                                                           "product_id": product_id, "quantity": "2"},
                         allow_redirects=False, timeout=30)
    assert added.status_code in (302, 303)

    cart = browser.get(a + "/winkelmand", timeout=30)
    assert "Oude Brugge" in cart.text


def test_a_rate_limit_counts_the_tries_made_through_both_instances(cluster):
    a, b = cluster.addresses
    browser = requests.Session()
    statuses = []
    # The per-account limit is 10 tries a minute: 6 through each instance make 12.
    for attempt in range(12):
        address = (a, b)[attempt % 2]
        token = _token(browser, address + "/inloggen")
        answer = browser.post(address + "/inloggen",
                              data={"csrf_token": token, "email": "doelwit@voorbeeld.be", "password": "fout"},
                              allow_redirects=False, timeout=30)
        statuses.append(answer.status_code)

    assert statuses[:10] == [422] * 10  # the form again, with its error
    assert statuses[10:] == [429, 429]


def test_a_request_id_from_the_proxy_reaches_the_shop(cluster):
    a, _ = cluster.addresses

    response = requests.get(a + "/health", timeout=30)

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])  # nginx's $request_id
    assert response.json()["checks"]["redis"] == "ok"
