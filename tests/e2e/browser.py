"""What the browser tests share besides their fixtures (tests/e2e/conftest.py): the live shop server, screenshots,
new pages, the demo log-ins and the journey's words in the shop's languages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.live_server import free_port, server_env, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("SHOP_E2E_CHROMIUM", "/usr/bin/chromium")
SERVER_START_SECONDS = 60


def run_command(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def base_env(instance: Path, database: Path) -> dict[str, str]:
    return server_env(instance, database, "e2e-secret-key-not-for-production")


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
        env = base_env(self.instance, self.database)
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
    env = base_env(instance, database) | {"SHOP_BASE_URL": url} | (extra_env or {})
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


def new_page(browser, *, locale: str = "nl-BE", viewport=(1280, 900), is_mobile: bool = False, **options):
    context = browser.new_context(locale=locale, viewport={"width": viewport[0], "height": viewport[1]},
                                  is_mobile=is_mobile, has_touch=is_mobile, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors  # checked by the journeys: no JavaScript error on any page
    return page



DEMO_PRODUCER = ("producent@lekkeroostvlaams.be", "demo-producent-2026")
DEMO_STAFF = ("personeel@lekkeroostvlaams.be", "demo-personeel-2026")


def loads(page):
    """``with loads(page): button.click()``: waits until the page that the click (a submit, a link, Enter, a double
    click) asks for has loaded. ``page.wait_for_load_state()`` after the click returns at once while the old page is
    still shown, and what comes next (a screenshot, a read of a flash message) then races the navigation: a
    screenshot taken while the page is swapped can hang until its timeout."""
    return page.expect_navigation(wait_until="load")


def log_in(page, server, email: str, password: str) -> None:
    page.goto(server("/inloggen"))
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    with loads(page):
        page.locator("main form button[type=submit]").click()


# The words of the journey, as the shopper reads them on buttons and labels (Dutch source texts; other languages
# through the shop's own message catalogues, so the test follows the translations).
WORDS_NL = dict(
    to_packages="Alle gevonden pakketten", only_available="Enkel beschikbare pakketten",
    show_packages="Toon pakketten", add="In winkelmand", cart="Winkelmand", checkout="Afrekenen",
    email="E-mailadres", name="Naam", phone="Telefoonnummer", delivery="Thuislevering",
    pickup="Afhalen in het Groot Vleeshuis", recipient="Naam van de ontvanger", street="Straat en huisnummer",
    postcode="Postcode", city="Gemeente", gift="Dit is een geschenk", message="Boodschap op het kaartje",
    next="Verder naar het overzicht", terms="Ik aanvaard de algemene voorwaarden", pay_demo="Betalen (%(total)s)",
    filters="Filters en sorteren",
)


def words_in(locale: str) -> dict[str, str]:
    from babel.support import Translations

    translations = Translations.load(str(ROOT / "shop" / "translations"), [locale])
    words = {key: translations.gettext(text) for key, text in WORDS_NL.items()}
    words["pay_demo"] = words["pay_demo"].split("(")[0].strip()
    return words
