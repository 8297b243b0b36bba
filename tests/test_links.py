"""Every link names a route that exists: a broken link is a failing test, not a hidden button.

Pages render their links with plain ``url_for``; a missing endpoint raises ``BuildError`` (a 500 on the page),
and the authorisation tests of the back office and the portal visit every GET page. These static checks also
catch links on pages and e-mails no test renders: every endpoint named in a template (``url_for('x.y'``, or a
``"x.y"`` literal handed to ``url_for`` later, as the report and menu lists do) and every literal
``url_for("x.y"`` in the code must be a route of the app.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string
from werkzeug.routing import BuildError

from shop.backoffice.templating import NAVIGATION as BACKOFFICE_NAVIGATION
from shop.core.links import absolute_url_for
from shop.portal.templating import NAVIGATION as PORTAL_NAVIGATION

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
CODE = ROOT / "shop"

# url_for on pages, absolute_url_for (shop/core/links.py) in e-mails and documents.
URL_FOR = re.compile(r"""(?:absolute_)?url_for\(\s*(['"])([\w.]+)\1""")
# The one module that builds links from the URL map itself (for mails sent outside a request).
LINK_BUILDER = CODE / "core" / "links.py"
# The module that puts the app's int converter on the URL map (it never asks the map whether a route exists).
ID_CONVERTER = CODE / "core" / "ids.py"
# The page cache reads the matched view's mark (@shared_page); it never asks whether a route exists.
PAGE_CACHE = CODE / "core" / "page_cache.py"


def _blueprint_literal(app) -> re.Pattern:
    """A quoted ``"<blueprint>.<name>"``: the endpoints templates keep in lists and variables."""
    names = "|".join(sorted(map(re.escape, app.blueprints)))
    return re.compile(rf"""(['"])((?:{names})\.\w+)\1""")


def _template_files() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*") if path.is_file())


def _missing(app, found: list[tuple[Path, str]]) -> list[str]:
    return sorted({f"{path.relative_to(ROOT)}: {endpoint}" for path, endpoint in found
                   if endpoint not in app.view_functions})


def test_every_endpoint_named_in_a_template_is_a_route(app):
    blueprint_literal = _blueprint_literal(app)
    found = []
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        found += [(path, match.group(2)) for match in URL_FOR.finditer(text)]
        found += [(path, match.group(2)) for match in blueprint_literal.finditer(text)]

    assert len(found) > 300  # the patterns still find the links (a changed quoting style would find none)
    assert _missing(app, found) == []


def test_every_literal_url_for_in_the_code_is_a_route(app):
    found = []
    for path in sorted(CODE.rglob("*.py")):
        found += [(path, match.group(2)) for match in URL_FOR.finditer(path.read_text(encoding="utf-8"))]

    assert len(found) > 50
    assert _missing(app, found) == []


def test_every_menu_entry_is_a_route(app):
    endpoints = [entry[0] for entry in BACKOFFICE_NAVIGATION] + [entry[0] for entry in PORTAL_NAVIGATION]

    assert [endpoint for endpoint in endpoints if endpoint not in app.view_functions] == []


def test_a_link_to_a_missing_route_fails_the_page(app):
    """No guard hides a broken link: url_for in a template raises instead of leaving the link out."""
    with app.test_request_context("/"), pytest.raises(BuildError):
        render_template_string("<a href=\"{{ url_for('backoffice.no_such_page') }}\">x</a>")


def test_no_template_or_view_asks_whether_a_route_exists():
    guards = re.compile(r"has_endpoint|view_functions|url_map|BuildError")
    offenders = [str(path.relative_to(ROOT)) for path in [*_template_files(), *sorted(CODE.rglob("*.py"))]
                 if path not in (LINK_BUILDER, ID_CONVERTER, PAGE_CACHE) and path.suffix in (".html", ".txt", ".xml", ".py") and guards.search(path.read_text(encoding="utf-8"))]

    assert offenders == []


def test_mail_links_are_absolute_from_the_base_url_outside_a_request_too(app, monkeypatch):
    monkeypatch.setitem(app.config, "SHOP_BASE_URL", "https://shop.example/")
    with app.app_context():
        assert absolute_url_for("orders.status", token="abc") == "https://shop.example/bestelling/abc"
        assert absolute_url_for("accounts.login") == "https://shop.example/inloggen"
        with pytest.raises(BuildError):
            absolute_url_for("accounts.no_such_page")


def test_mail_links_never_take_the_host_of_the_request(app, monkeypatch):
    monkeypatch.setitem(app.config, "SHOP_BASE_URL", "https://shop.example")
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert absolute_url_for("storefront.product_detail", slug="kaas") == "https://shop.example/producten/kaas"


def test_no_code_builds_a_link_from_a_literal_path():
    """Mail links name their route (absolute_url_for), redirects use url_for: no "/path" typed into a link."""
    literal = re.compile(r"""(?:absolute_url|redirect)\(\s*f?(['"])/""")
    offenders = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in sorted(CODE.rglob("*.py"))
                 for match in literal.finditer(path.read_text(encoding="utf-8"))]

    assert offenders == []
