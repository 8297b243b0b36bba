"""Databases and server processes for the bench: seeded SQLite files and PostgreSQL databases (bench_*), the shop
and the ceiling under gunicorn with gunicorn.conf.py, each on its own port."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
SECRET_KEY = "bench-secret-key-not-for-production-0123456789"
WEBHOOK_SECRET = "whsec_bench_secret"
# The names of the bench's PostgreSQL databases start with this (bench_s1, bench_s10, bench_s100, bench_orders), and
# so do its SQLite files: two benches on one PostgreSQL server (two work trees) each set their own.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX") or "bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(kind: str, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{WORK / (name + '.db')}"
    return make_url(POSTGRES_ADMIN).set(database=name).render_as_string(hide_password=False)


def _postgres(statement: str) -> None:
    engine = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def product_count(url: str) -> int | None:
    """How many products the database holds; None when it does not exist or has no schema."""
    import shop.models  # noqa: F401  (every model mapped)
    from shop.catalog.models import Product

    try:
        engine = create_engine(url, connect_args={"connect_timeout": 5} if url.startswith("postgresql") else {})
        try:
            with engine.connect() as connection:
                return connection.execute(select(func.count()).select_from(Product)).scalar()
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - missing database or table: it must be made
        return None


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


def shop_env(kind: str, url: str, stripe_base: str, *, instance: Path, extra: dict[str, str] | None = None) -> dict:
    """The environment of a shop process. PostgreSQL: ``SHOP_ENV=production`` with everything production requires
    (shop.config.production_problems). SQLite: production refuses it, so development with production's JSON logs
    (and Redis when it answers); both talk to the test Stripe server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "SHOP_", "FLASK_"))}
    env.update(
        SHOP_DATABASE_URL=url, SHOP_INSTANCE_DIR=str(instance), SHOP_SECRET_KEY=SECRET_KEY,
        STRIPE_SECRET_KEY="sk_test_bench", STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE=stripe_base,
        SHOP_LOG_FORMAT="json", SHOP_LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1",
    )
    if redis_available():
        env["SHOP_REDIS_URL"] = REDIS_URL
    if kind == "postgresql":
        env.update(SHOP_ENV="production", SHOP_BASE_URL="https://bench.lekkeroostvlaams.invalid",
                   SHOP_TRUSTED_HOSTS="127.0.0.1,localhost")
    else:
        env.update(SHOP_ENV="development", SHOP_BASE_URL="http://127.0.0.1")
    env.update(extra or {})
    return env


def _seed_fingerprint() -> str:
    """Changes whenever the seed's code or data change: a database seeded before is then seeded again."""
    digest = hashlib.sha256()
    for path in sorted([ROOT / "seed_producers.py", *(ROOT / "shop" / "demo").rglob("*.*"),
                        *(ROOT / "migrations" / "versions").glob("*.py")]):
        if path.suffix in {".py", ".csv", ".json"}:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def prepare_database(kind: str, scale: int, *, reseed: bool, log) -> str:
    """A migrated database with the demo catalogue at ``scale``; reused when it already holds exactly what this
    code seeds (unless ``reseed``). Returns its URL."""
    name = f"{DB_PREFIX}_s{scale}"
    url = database_url(kind, name)
    WORK.mkdir(parents=True, exist_ok=True)
    marker = WORK / f"{kind}-{name}.seeded"
    fingerprint = _seed_fingerprint()
    if not reseed and marker.exists():
        recorded, _, count = marker.read_text().partition(" ")
        if recorded == fingerprint and count.strip() == str(product_count(url)):
            log(f"  {kind} {scale}x: reusing {name} ({count.strip()} products)")
            return url
    marker.unlink(missing_ok=True)
    log(f"  {kind} {scale}x: seeding {name} ...")
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{WORK / name}.db{suffix}").unlink(missing_ok=True)
    else:
        _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _postgres(f'CREATE DATABASE "{name}"')
    env = shop_env(kind, url, "http://127.0.0.1:9", instance=WORK / "instance") | {"SHOP_ENV": "development"}
    started = time.monotonic()
    for command in (["-m", "flask", "--app", "shop", "db", "upgrade"],
                    ["seed_producers.py", "--reset", "--scale", str(scale)]):
        done = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    count = product_count(url)
    marker.write_text(f"{fingerprint} {count}")
    log(f"  {kind} {scale}x: {count} products in {time.monotonic() - started:.0f} s")
    return url


def copy_database(kind: str, source: str, name: str) -> str:
    """A fresh copy of the database ``source`` (bench_s1) for a stage that writes (orders)."""
    url = database_url(kind, name)
    source_name = make_url(source).database
    if kind == "sqlite":
        target = WORK / f"{name}.db"
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        engine = create_engine(source)
        with engine.connect() as connection:  # fold the WAL into the file before copying it
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        shutil.copyfile(source_name, target)
    else:
        _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _postgres(f'CREATE DATABASE "{name}" TEMPLATE "{source_name}"')
    return url


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gunicorn(name: str, app: str, env: dict, port: int | None, *, config: str = "gunicorn.conf.py",
                   health: str = "/health", workers: int | None = None) -> Server:
    """gunicorn with ``config`` (the shop's production settings) serving ``app`` on 127.0.0.1:``port``; returns
    once ``health`` answers 200. Without a port, a free one chosen now: a port chosen at the start of a long run
    can meanwhile be the local end of some outgoing connection (the ephemeral range), and then it cannot be bound."""
    port = port or free_port()
    log = WORK / f"{name}.log"
    env = env | {"SHOP_BIND": f"127.0.0.1:{port}"}
    if workers:
        env["SHOP_WEB_WORKERS"] = str(workers)
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", config, app], cwd=ROOT, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url + health, timeout=5) as response:
                if response.status == 200:
                    return Server(name, process, url, log)
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{name} did not start:\n{log.read_text()[-4000:]}")
        time.sleep(0.3)
