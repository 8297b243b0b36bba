"""Fixtures of the serving tests that run the shop as production does: several gunicorn instances behind nginx on
one PostgreSQL database and one Redis (tests/serving/test_two_instances.py, test_soak.py).

They run in the PostgreSQL pass (SHOP_TEST_DATABASE_URL names the server; each module gets a database of its own,
dropped afterwards) and need nginx (Debian package nginx-light) and Redis on 127.0.0.1:6379; where one is missing
the test is skipped, unless SHOP_REQUIRE_SERVICES is set (CI), where it fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shop.config import normalise_database_url
from tests.live_server import free_port, server_env, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
# Emptied before and after each module: a database of these tests alone (SHOP_TEST_SERVING_REDIS_URL picks another).
REDIS_URL = os.environ.get("SHOP_TEST_SERVING_REDIS_URL") or "redis://127.0.0.1:6379/13"


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


@dataclass
class Cluster:
    addresses: list[str]  # one nginx address per web instance
    database: str  # the SQLAlchemy URL of the instances' database
    env: dict[str, str]  # the instances' environment (for a worker or a command on the same database)
    folder: Path | None = None  # where the instances' logs are (gunicorn-a.log, ...)

    def server_errors(self, limit: int = 6000) -> str:
        """The tracebacks and errors the instances logged (the end, up to ``limit`` characters): what a test
        that saw a 5xx shows, so a failure in CI says its cause."""
        if self.folder is None:
            return ""
        found = []
        for log in sorted(self.folder.glob("gunicorn-*.log")):
            lines = log.read_text(errors="replace").splitlines()
            for number, line in enumerate(lines):
                if " ERROR " in line or "[ERROR]" in line:
                    found.append(f"{log.name}: " + "\n".join(lines[number:number + 40]))
        return "\n\n".join(found)[-limit:]


def _seeded_env(request, folder: Path, database: str, redis_db: str) -> dict[str, str]:
    env = server_env(folder, folder / "unused.db", "shared-secret-of-both-instances")
    env.update(SHOP_DATABASE_URL=database, SHOP_REDIS_URL=redis_db, SHOP_TRUSTED_PROXIES="1")
    env.update(getattr(request.module, "ENV", {}))
    subprocess.run([sys.executable, "-m", "flask", "--app", "shop", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    subprocess.run([sys.executable, "-c", request.module.SEED], cwd=ROOT, env=env, check=True, capture_output=True,
                   timeout=300)
    return env


def _start_gunicorns(request, folder: Path, env: dict[str, str], processes: list) -> list[int]:
    """The module's INSTANCES (default 2) gunicorn instances, one worker each, started and answering: their ports."""
    ports = []
    for name in "abcdefgh"[:getattr(request.module, "INSTANCES", 2)]:
        port = free_port()
        log = folder / f"gunicorn-{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--workers", "1", "shop.wsgi:app"],
            cwd=ROOT, env=env | {"SHOP_BIND": f"127.0.0.1:{port}"}, stdout=log.open("w"),
            stderr=subprocess.STDOUT)
        processes.append(process)
        wait_until_up(f"http://127.0.0.1:{port}", process, log, 60)
        ports.append(port)
    return ports


def _stop(processes: list) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory, database, redis_db):
    """Web instances (gunicorn, one worker each; the module's INSTANCES, default 2) on one PostgreSQL database and
    one Redis, each behind its own nginx port, the database seeded by the module's SEED (Python run with the
    instances' environment)."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        _missing("needs nginx (Debian: nginx-light)")
    folder = tmp_path_factory.mktemp("two-instances")
    env = _seeded_env(request, folder, database, redis_db)
    processes = []
    addresses = []
    routes = {}
    try:
        for port in _start_gunicorns(request, folder, env, processes):
            front = free_port()
            routes[front] = port
            addresses.append(f"http://127.0.0.1:{front}")
        proxy = subprocess.Popen([nginx, "-c", str(_nginx_conf(folder, routes)), "-p", str(folder),
                                  "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        processes.append(proxy)
        for address in addresses:
            wait_until_up(address, proxy, folder / "error.log", 30)
        yield Cluster(addresses, database, env, folder)
    finally:
        _stop(processes)


@pytest.fixture(scope="module")
def instances(request, tmp_path_factory, database, redis_db):
    """As ``cluster``, without nginx: the instances' own addresses (for what needs no proxy in front)."""
    folder = tmp_path_factory.mktemp("instances")
    env = _seeded_env(request, folder, database, redis_db)
    processes = []
    try:
        ports = _start_gunicorns(request, folder, env, processes)
        yield Cluster([f"http://127.0.0.1:{port}" for port in ports], database, env, folder)
    finally:
        _stop(processes)
