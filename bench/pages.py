"""What the bench asks for: the pages (paths chosen from the seeded database, the same for every scale), the
queries and HTML size of each (in process, with the test client), and visitors for add-to-cart."""

from __future__ import annotations

import logging
import re
import urllib.parse
from dataclasses import dataclass

import requests
from sqlalchemy import create_engine, event, func, select

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LAST_PAGE = re.compile(r'[?&;]pagina=(\d+)')
ADD_TO_CART = "add_to_cart"


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    path: str  # for add-to-cart: the product page whose form it posts


def choose_pages(url: str) -> list[Page]:
    """The benchmark's pages, chosen deterministically from the database at ``url``: the first featured product
    and package (by id), the most common subcategory and region of the published products, gluten-free."""
    import shop.models  # noqa: F401  (every model mapped)
    from shop.catalog.models import Category, Municipality, Producer, Product, ProductStatus, Region
    from shop.packages.models import Package

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            published = (Product.status == ProductStatus.PUBLISHED, Producer.active.is_(True))
            product = c.execute(select(Product.slug).join(Producer).where(*published, Product.stock > 20)
                                .order_by(Product.featured.desc(), Product.id).limit(1)).scalar_one()
            package = c.execute(select(Package.slug).where(Package.active.is_(True))
                                .order_by(Package.featured.desc(), Package.id).limit(1)).scalar_one()
            category = c.execute(select(Category.slug).join(Product, Product.category_id == Category.id)
                                 .join(Producer).where(*published).group_by(Category.slug)
                                 .order_by(func.count().desc(), Category.slug).limit(1)).scalar_one()
            region = c.execute(select(Region.slug).join(Municipality, Municipality.region_id == Region.id)
                               .join(Producer, Producer.municipality_id == Municipality.id)
                               .join(Product, Product.producer_id == Producer.id).where(*published)
                               .group_by(Region.slug).order_by(func.count().desc(), Region.slug).limit(1)
                               ).scalar_one()
    finally:
        engine.dispose()
    filtered = urllib.parse.urlencode({"categorie": category, "streek": region, "zonder": "gluten"})
    return [
        Page("home", "home `/`", "/"),
        Page("products", "products `/producten`", "/producten"),
        Page("products_deep", "products, a deep page", "/producten?pagina={deep}"),
        Page("filtered", "filtered (category + region + allergen)", f"/producten?{filtered}"),
        Page("search", "search `?q=kaas`", "/producten?q=kaas"),
        Page("product", "product page", f"/producten/{product}"),
        Page("packages", "packages `/pakketten`", "/pakketten"),
        Page("package", "package page", f"/pakketten/{package}"),
        Page("producers", "producers `/producenten`", "/producenten"),
        Page(ADD_TO_CART, "add to cart (POST, new visitor)", f"/producten/{product}"),
    ]


def deep_page_number(products_page_html: str) -> int:
    """The deepest page the products page links to (its pagination's last page); 1 when there is none."""
    numbers = [int(n) for n in LAST_PAGE.findall(products_page_html)]
    return max(numbers, default=1)


def resolve(pages: list[Page], deep: int) -> list[Page]:
    return [Page(p.key, p.label, p.path.replace("{deep}", str(deep))) for p in pages]


def count_in_process(url: str, pages: list[Page]) -> dict[str, dict]:
    """Per page, in this process with the test client: SQL statements of a first and a repeated request, and the
    HTML size. The app runs with the database at ``url`` (development settings, CSRF off for add-to-cart)."""
    from bench.measure import html_sizes
    from shop import create_app
    from shop.extensions import db

    # The facet index built in the first request that needs it, as before it was built in a thread of its own: the
    # first visit's count holds the build's statements, and no thread's statements mix with a later page's.
    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "STRIPE_SECRET_KEY": None, "FACET_INDEX_IN_BACKGROUND": False,
                      "LOG_LEVEL": "WARNING"})
    logging.getLogger("shop").setLevel(logging.WARNING)  # no line per request of the counting
    counted = {"n": 0}
    results: dict[str, dict] = {}
    with app.app_context():
        engine = db.engine

        def count(*_args, **_kwargs):
            counted["n"] += 1

        event.listen(engine, "before_cursor_execute", count)
        try:
            for page in pages:
                numbers, body = [], b""
                for _ in range(2):
                    client = app.test_client()  # a new visitor each time: no cookie of an earlier request
                    counted["n"] = 0
                    if page.key == ADD_TO_CART:
                        product_id = _product_id(app, page.path)
                        response = client.post("/winkelmand/toevoegen", data={"product_id": product_id,
                                                                              "quantity": 1})
                        assert response.status_code == 303, response.status_code
                    else:
                        response = client.get(page.path)
                        assert response.status_code == 200, (page.path, response.status_code)
                        body = response.data
                    numbers.append(counted["n"])
                results[page.key] = {"queries_first": numbers[0], "queries_repeat": numbers[1],
                                     **(html_sizes(body) if body else {"raw_kb": None, "gzip_kb": None})}
                if page.key == "products":
                    results[page.key]["body"] = body
        finally:
            event.remove(engine, "before_cursor_execute", count)
            db.session.remove()
            engine.dispose()
    return results


def _product_id(app, path: str) -> str:
    body = app.test_client().get(path).get_data(as_text=True)
    return re.search(r'name="product_id" value="(\d+)"', body).group(1)


def insecure_cookies(session: requests.Session) -> None:
    """Production marks cookies Secure; the bench talks plain HTTP on loopback, so it sends them anyway."""
    for cookie in session.cookies:
        cookie.secure = False


def post_to_cart(base: str, visitors: list[tuple[str, str, str]]) -> None:
    """Each visitor adds its product once, as ``lua/cart.lua`` does (without a cart cookie: a new cart each time)."""
    for cookie, token, product in visitors:
        response = requests.post(base + "/winkelmand/toevoegen", timeout=120, allow_redirects=False,
                                 headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
                                 data=f"csrf_token={token}&product_id={product}&quantity=1")
        response.raise_for_status()


def harvest_visitors(base: str, product_path: str, count: int) -> list[tuple[str, str, str]]:
    """``count`` new visitors of a product page: (their session cookie, their CSRF token, the product id)."""
    visitors = []
    for _ in range(count):
        browser = requests.Session()
        body = browser.get(base + product_path, timeout=60).text
        token = CSRF.search(body).group(1)
        product = re.search(r'name="product_id" value="(\d+)"', body).group(1)
        cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
        visitors.append((cookie, urllib.parse.quote(token, safe=""), product))
    return visitors
