"""One package VAT split (``packages.component_shares`` on ``core.money.split_over_rates``): the cart, the
order lines checkout snapshots, the package page and the package admin page all show the same split."""

from __future__ import annotations

from shop.cart.services import price_cart
from shop.checkout.services import place_order
from shop.core.clock import shop_today
from shop.core.money import format_eur, vat_lines
from shop.orders.queries import order_vat_lines
from shop.packages.admin_queries import get_package_editor
from shop.packages.queries import get_package_page
from shop.packages.services import component_shares, vat_split
from tests.factories import (
    log_in_as,
    make_order_cart,
    make_order_data,
    make_package,
    make_product,
    make_staff,
    make_vat_category,
)


def _mixed_package():
    """€ 39,99 over cheese (6 %, 12,50), 2 × honey (6 %, 3,33) and wine (21 %, 14,99): weights 1250, 666, 1499.

    3999 x weight / 3415 = 1463.76, 779.88, 1755.35: the floors leave 2 cents, for the two largest remainders
    (honey, cheese) -> 1464, 780, 1755; per rate 2244 at 6 % and 1755 at 21 %.
    """
    cheese = make_product("Hoevekaas", price_cents=1250, stock=20)
    honey = make_product("Honing", price_cents=333, stock=20)
    wine = make_product("Wijn", price_cents=1499, stock=20, vat=make_vat_category("alcohol", 21), alcohol_pct=12.0)
    package = make_package([(cheese, 1), (honey, 2), (wine, 1)], price_cents=3999, slug="gemengd")
    return package, cheese, honey, wine


EXPECTED_LINES = [
    {"rate": 6, "gross_cents": 2244, "vat_cents": 127, "base_cents": 2117},
    {"rate": 21, "gross_cents": 1755, "vat_cents": 305, "base_cents": 1450},
]


def test_a_mixed_package_has_one_split_in_cart_order_lines_package_page_and_admin(client, db):
    package, cheese, honey, wine = _mixed_package()
    db.session.commit()
    day = shop_today()

    # the one split: shares of one package, summing exactly to its price
    shares = [(s.product.id, s.quantity, s.vat_rate, s.share_cents) for s in component_shares(package, day)]
    assert shares == [(cheese.id, 1, 6, 1464), (honey.id, 2, 6, 780), (wine.id, 1, 21, 1755)]
    assert sum(share for *_, share in shares) == package.price_cents
    assert vat_split(package, day) == EXPECTED_LINES
    assert all(line["base_cents"] + line["vat_cents"] == line["gross_cents"] for line in EXPECTED_LINES)

    # the cart prices two packages with the same shares
    cart = make_order_cart((package, 2))
    priced = price_cart(cart, day)
    [line] = priced.lines
    assert [(s.product.id, s.quantity, s.vat_rate, s.share_cents) for s in line.components] == shares
    assert priced.vat_lines == vat_lines({6: 2 * 2244, 21: 2 * 1755})
    assert sum(v["gross_cents"] for v in priced.vat_lines) == priced.goods_cents == 7998

    # checkout snapshots them on the order line
    order = place_order(cart, make_order_data())
    db.session.commit()
    [order_line] = order.lines
    assert [(c.product_id, c.quantity, c.vat_rate, c.share_cents) for c in order_line.components] == shares
    assert sum(c.share_cents for c in order_line.components) == order_line.unit_price_cents
    assert order_vat_lines(order) == vat_lines({6: 2 * 2244, 21: 2 * 1755})

    # the package page and the admin editor show the split of one package
    assert get_package_page("gemengd", day).vat_lines == EXPECTED_LINES
    assert get_package_editor(package.id, day).vat_lines == EXPECTED_LINES
    staff = make_staff()
    db.session.commit()
    log_in_as(client, staff)
    html = client.get(f"/beheer/pakketten/{package.id}").get_data(as_text=True)
    vat_table = html.split("bo-packages__vat", 1)[1].split("</table>", 1)[0]
    for expected in EXPECTED_LINES:
        for key in ("base_cents", "vat_cents", "gross_cents"):
            assert format_eur(expected[key]) in vat_table
