"""The browser harness: the real shop server on a free loopback port with a freshly seeded database, driven by
Playwright in Debian's Chromium (headless).

- The demo catalogue is seeded once per test session into a template SQLite file (migrations + seed_producers.py,
  as `make run` does); every test copies it, so each test starts from the same freshly seeded shop.
- Each test gets its own server (gunicorn with gunicorn.conf.py and two workers, as `make run` serves it) with
  its own instance folder (media, mail), and its own browser context. Screenshots of the key steps go to
  ``test-artifacts/e2e/<test name>/``.
- Without Chromium (``/usr/bin/chromium``, or ``SHOP_E2E_CHROMIUM``) or without the playwright package, the
  browser tests are skipped and the run says so at the end. The browser is never downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live_server import free_port, server_env, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("SHOP_E2E_CHROMIUM", "/usr/bin/chromium")
SERVER_START_SECONDS = 60


def _skip_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


SKIP_REASON = _skip_reason()


def pytest_collection_modifyitems(config, items):
    if SKIP_REASON is None:
        return
    marker = pytest.mark.skip(reason=f"browser tests skipped: {SKIP_REASON}")
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).parents:
            item.add_marker(marker)


def pytest_terminal_summary(terminalreporter):
    e2e = [r for key in ("passed", "failed", "skipped", "error") for r in terminalreporter.stats.get(key, [])
           if getattr(r, "nodeid", "").startswith("tests/e2e/") and getattr(r, "when", "call") in ("call", "setup")]
    if SKIP_REASON is not None and e2e:
        terminalreporter.write_sep("=", f"BROWSER TESTS SKIPPED: {SKIP_REASON}", yellow=True, bold=True)
    elif e2e:
        terminalreporter.write_line(f"Browser tests ran in {CHROMIUM}; screenshots in {ARTIFACTS.relative_to(ROOT)}/")


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _base_env(instance: Path, database: Path) -> dict[str, str]:
    return server_env(instance, database, "e2e-secret-key-not-for-production")


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    """A SQLite file with the schema (migrations) and the demo catalogue (seed_producers.py), made once."""
    folder = tmp_path_factory.mktemp("e2e-template")
    database = folder / "shop.db"
    env = _base_env(folder, database)
    _run([sys.executable, "-m", "flask", "--app", "shop", "db", "upgrade"], env)
    _run([sys.executable, "seed_producers.py"], env)
    return database


class LiveServer:
    def __init__(self, url: str, instance: Path, database: Path, process: subprocess.Popen, log: Path):
        self.url, self.instance, self.database, self.process, self.log = url, instance, database, process, log

    def __call__(self, path: str = "/") -> str:
        return self.url + path

    def sql(self, query: str, *params):
        """Read the server's database directly (the tests check what the shop stored)."""
        import sqlite3

        with sqlite3.connect(self.database) as connection:
            return connection.execute(query, params).fetchall()

    def flask(self, *args: str) -> str:
        """Run a ``flask --app shop`` command against this server's database (e.g. the mail worker)."""
        env = _base_env(self.instance, self.database)
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "shop", *args], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


def start_server(tmp_path: Path, template: Path, extra_env: dict[str, str] | None = None) -> LiveServer:
    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "shop.db"
    shutil.copyfile(template, database)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = _base_env(instance, database) | {"SHOP_BASE_URL": url} | (extra_env or {})
    log = tmp_path / "server.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "shop.wsgi:app"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    wait_until_up(url, process, log, SERVER_START_SECONDS)
    return LiveServer(url, instance, database, process, log)


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
def live_server(tmp_path, seeded_template):
    server = start_server(tmp_path, seeded_template)
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        args = ["--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--no-sandbox")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser
        browser.close()


class Shots:
    """Numbered screenshots of a journey's key steps: test-artifacts/e2e/<test>/<nn>-<name>.png."""

    def __init__(self, folder: Path):
        self.folder = folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.count = 0

    def __call__(self, page, name: str, *, full_page: bool = True) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def shots(request) -> Shots:
    name = re.sub(r"[^a-z0-9_-]+", "-", request.node.name.lower()).strip("-")
    return Shots(ARTIFACTS / name)


def new_page(browser, *, locale: str = "nl-BE", viewport=(1280, 900), is_mobile: bool = False, **options):
    context = browser.new_context(locale=locale, viewport={"width": viewport[0], "height": viewport[1]},
                                  is_mobile=is_mobile, has_touch=is_mobile, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors  # checked by the journeys: no JavaScript error on any page
    return page


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()
