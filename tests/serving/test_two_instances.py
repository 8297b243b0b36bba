"""Two web instances behind nginx, sharing PostgreSQL and Redis, as the README's production section runs them:
a log-in, a cart, a rate limit and a change made through one instance hold through the other.

nginx listens on two ports, each proxying to one instance (so the test knows which instance answers), as a
load balancer would send consecutive requests to different instances. Runs in the PostgreSQL pass
(SHOP_TEST_DATABASE_URL names the server; a database of its own is made and dropped) and needs nginx (Debian
package nginx-light) and Redis on 127.0.0.1:6379; where one is missing the test is skipped, unless
SHOP_REQUIRE_SERVICES is set (CI), where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shop.config import normalise_database_url
from tests.live_server import free_port, server_env, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/13"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "twee-instanties-2026"


def _missing(why: str):
    if os.environ.get("SHOP_REQUIRE_SERVICES"):
        pytest.fail(f"{why} (SHOP_REQUIRE_SERVICES is set)")
    pytest.skip(why)


def _postgres_url() -> str:
    url = os.environ.get("SHOP_TEST_DATABASE_URL")
    if not url:
        pytest.skip("runs in the PostgreSQL pass (SHOP_TEST_DATABASE_URL), as production does")
    return normalise_database_url(url)


@pytest.fixture(scope="module")
def database():
    """A fresh PostgreSQL database for this module, dropped afterwards."""
    url = make_url(_postgres_url())
    if url.get_backend_name() != "postgresql":
        _missing("needs PostgreSQL")
    admin = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"{url.database}_two_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - no server: the test cannot run here
        admin.dispose()
        _missing(f"PostgreSQL is not reachable: {type(error).__name__}")
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def redis_db():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except Exception as error:  # noqa: BLE001
        _missing(f"Redis is not reachable: {type(error).__name__}")
    yield REDIS_URL
    client.flushdb()


def _nginx_conf(prefix: Path, routes: dict[int, int]) -> Path:
    servers = "\n".join(f"""
        server {{
            listen 127.0.0.1:{listen};
            location / {{
                proxy_pass http://127.0.0.1:{upstream};
                proxy_set_header Host $host;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_set_header X-Forwarded-Proto $scheme;
                proxy_set_header X-Request-ID $request_id;
            }}
        }}""" for listen, upstream in routes.items())
    conf = prefix / "nginx.conf"
    conf.write_text(f"""
        worker_processes 1;
        user root;
        pid {prefix}/nginx.pid;
        error_log {prefix}/error.log;
        events {{ worker_connections 64; }}
        http {{
            access_log {prefix}/access.log;
            client_body_temp_path {prefix}/body;
            proxy_temp_path {prefix}/proxy;
            fastcgi_temp_path {prefix}/fastcgi;
            uwsgi_temp_path {prefix}/uwsgi;
            scgi_temp_path {prefix}/scgi;
            {servers}
        }}
    """)
    return conf


@pytest.fixture(scope="module")
def shop(tmp_path_factory, database, redis_db):
    """Two gunicorn instances (one worker each) on one PostgreSQL and one Redis, each behind its own nginx port.
    Yields the two nginx addresses."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        _missing("needs nginx (Debian: nginx-light)")
    folder = tmp_path_factory.mktemp("two-instances")
    env = server_env(folder, folder / "unused.db", "shared-secret-of-both-instances")
    env.update(SHOP_DATABASE_URL=database, SHOP_REDIS_URL=redis_db, SHOP_TRUSTED_PROXIES="1")
    subprocess.run([sys.executable, "-m", "flask", "--app", "shop", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    subprocess.run([sys.executable, "-c", _SEED], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    processes = []
    addresses = []
    routes = {}
    try:
        for name in ("a", "b"):
            port = free_port()
            log = folder / f"gunicorn-{name}.log"
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--workers", "1", "shop.wsgi:app"],
                cwd=ROOT, env=env | {"SHOP_BIND": f"127.0.0.1:{port}"}, stdout=log.open("w"),
                stderr=subprocess.STDOUT)
            processes.append(process)
            wait_until_up(f"http://127.0.0.1:{port}", process, log, 60)
            front = free_port()
            routes[front] = port
            addresses.append(f"http://127.0.0.1:{front}")
        proxy = subprocess.Popen([nginx, "-c", str(_nginx_conf(folder, routes)), "-p", str(folder),
                                  "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        processes.append(proxy)
        for address in addresses:
            wait_until_up(address, proxy, folder / "error.log", 30)
        yield addresses
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


# A customer and a product, written straight into the shared database.
_SEED = f"""
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


def test_a_log_in_and_a_cart_made_through_one_instance_hold_through_the_other(shop):
    a, b = shop
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


def test_a_rate_limit_counts_the_tries_made_through_both_instances(shop):
    a, b = shop
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


def test_a_request_id_from_the_proxy_reaches_the_shop(shop):
    a, _ = shop

    response = requests.get(a + "/health", timeout=30)

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])  # nginx's $request_id
    assert response.json()["checks"]["redis"] == "ok"
