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
import sys
from pathlib import Path

import pytest

from tests.e2e.browser import (
    ARTIFACTS,
    CHROMIUM,
    E2E_DIR,
    ROOT,
    Shots,
    base_env,
    new_page,
    run_command,
    start_server,
    stop_server,
)


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


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    """A SQLite file with the schema (migrations) and the demo catalogue (seed_producers.py), made once."""
    folder = tmp_path_factory.mktemp("e2e-template")
    database = folder / "shop.db"
    env = base_env(folder, database)
    run_command([sys.executable, "-m", "flask", "--app", "shop", "db", "upgrade"], env)
    run_command([sys.executable, "seed_producers.py"], env)
    return database


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


@pytest.fixture
def shots(request) -> Shots:
    name = re.sub(r"[^a-z0-9_-]+", "-", request.node.name.lower()).strip("-")
    return Shots(ARTIFACTS / name)


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()
