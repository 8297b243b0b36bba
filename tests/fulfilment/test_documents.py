"""Pick list and packing slips: aggregation by producer and package, shortages applied, PDFs."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime

import pytest

from shop.core.clock import SHOP_TIMEZONE
from shop.extensions import db as _db
from shop.fulfilment.documents import build_packing_slips, build_pick_list
from shop.fulfilment.pdf import render_gift_card_pdf, render_packing_slips_pdf, render_pick_list_pdf
from shop.orders.models import OrderStatus
from shop.orders.queries import get_selection, list_orders_for_day
from shop.supply.models import ShortageReport, ShortageStatus
from tests.factories import make_order_data, make_package, make_paid_order, make_producer, make_product
from tests.helpers import count_queries, pdf_rows

DAY = date(2026, 12, 22)


def _on_day(order, day=DAY):
    order.shipments[0].scheduled_date = day
    return order


def _line(order, *, package=False):
    return next(line for line in order.lines if (line.package_id is not None) == package)


@pytest.fixture
def scene(db):
    """Two orders on DAY: 2 × package (2 kaas of Aalter + 1 jenever of Baal) + 1 loose kaas, and 1 × package
    + 3 confituur of Aalter. Shortages: 1 kaas in the first order's packages substituted by 1 Brugse kaas of
    Brugge; 1 confituur of the second order refunded. An order on another day and a pending one are out."""
    aalter = make_producer("Hoeve Aalter", phone="09 111 11 11")
    baal = make_producer("Brouwerij Baal")
    brugge = make_producer("Kaasmakerij Brugge")
    kaas = make_product("Hoevekaas", producer=aalter, unit="500 g", price_cents=900, stock=20)
    confituur = make_product("Aardbeienconfituur", producer=aalter, unit="350 g", price_cents=550, stock=20)
    jenever = make_product("Graanjenever", producer=baal, unit="50 cl", price_cents=2450, stock=20)
    brugse = make_product("Brugse kaas", producer=brugge, unit="500 g", price_cents=950, stock=20)
    package = make_package([(kaas, 2), (jenever, 1)], name="Kerstpakket", price_cents=4000)

    first = _on_day(make_paid_order((package, 2), (kaas, 1)))
    second = _on_day(make_paid_order((package, 1), (confituur, 3)))
    other_day = _on_day(make_paid_order((kaas, 5)), date(2026, 12, 23))
    from tests.factories import make_order

    pending = _on_day(make_order((kaas, 4)))
    _db.session.add_all([
        ShortageReport(order_line_id=_line(first, package=True).id, product_id=kaas.id, producer_id=aalter.id,
                       quantity=1, status=ShortageStatus.SUBSTITUTED, substitute_product_id=brugse.id,
                       substitute_producer_id=brugge.id, substitute_name="Brugse kaas", substitute_quantity=1),
        ShortageReport(order_line_id=_line(second).id, product_id=confituur.id, producer_id=aalter.id,
                       quantity=1, status=ShortageStatus.REFUNDED),
    ])
    _db.session.commit()
    return dict(first=first, second=second, other_day=other_day, pending=pending, kaas=kaas, jenever=jenever,
                confituur=confituur, brugse=brugse, package=package, aalter=aalter, baal=baal, brugge=brugge)


def _rows(pick):
    return {
        producer.name: {p.name: (p.total, p.loose, p.in_packages, p.substitutes, p.removed) for p in producer.products}
        for producer in pick.producers
    }


def test_pick_list_aggregates_by_producer_with_components_and_resolved_shortages(scene):
    orders = list_orders_for_day(DAY)

    pick = build_pick_list(orders)

    assert [o.order.number for o in pick.orders] == sorted([scene["first"].number, scene["second"].number])
    # (to pick, loose, in packages, substitutes, no longer needed)
    assert _rows(pick) == {
        "Brouwerij Baal": {"Graanjenever": (3, 0, 3, 0, 0)},
        "Hoeve Aalter": {"Aardbeienconfituur": (2, 2, 0, 0, 1), "Hoevekaas": (6, 1, 5, 0, 1)},
        "Kaasmakerij Brugge": {"Brugse kaas": (1, 0, 0, 1, 0)},
    }
    aalter = next(p for p in pick.producers if p.name == "Hoeve Aalter")
    assert aalter.phone == "09 111 11 11"
    assert aalter.total == 8


def test_pick_list_per_package_counts_packages_and_names_the_substitution(scene):
    pick = build_pick_list(list_orders_for_day(DAY))

    assert len(pick.packages) == 1
    package = pick.packages[0]
    assert (package.name, package.count) == ("Kerstpakket", 3)
    assert [(c.name, c.producer_name, c.per_package, c.total) for c in package.components] == [
        ("Hoevekaas", "Hoeve Aalter", 2, 6), ("Graanjenever", "Brouwerij Baal", 1, 3)]
    assert [a.describe() for a in package.adjustments] == ["1 × Hoevekaas vervangen door 1 × Brugse kaas"]
    assert package.adjustments[0].order_number == scene["first"].number


def test_an_open_shortage_is_not_picked_but_shown(scene, db):
    second = scene["second"]
    db.session.add(ShortageReport(order_line_id=_line(second, package=True).id, product_id=scene["jenever"].id,
                                  producer_id=scene["baal"].id, quantity=1, status=ShortageStatus.OPEN))
    db.session.add(ShortageReport(order_line_id=_line(second, package=True).id, product_id=scene["kaas"].id,
                                  producer_id=scene["aalter"].id, quantity=2, status=ShortageStatus.WITHDRAWN))
    db.session.commit()

    pick = build_pick_list(list_orders_for_day(DAY))

    baal = next(p for p in pick.producers if p.name == "Brouwerij Baal")
    assert [(p.total, p.open_short) for p in baal.products] == [(2, 1)]
    assert _rows(pick)["Hoeve Aalter"]["Hoevekaas"] == (6, 1, 5, 0, 1)  # withdrawn: changes nothing


def test_only_paid_and_in_preparation_orders_of_the_day_are_picked(scene, db):
    from shop.orders.lifecycle import transition

    transition(scene["second"], OrderStatus.IN_PREPARATION, actor="test")
    db.session.commit()

    numbers = [order.number for order in list_orders_for_day(DAY)]

    assert numbers == sorted([scene["first"].number, scene["second"].number])
    assert scene["pending"].number not in numbers and scene["other_day"].number not in numbers


def test_selection_splits_wrong_statuses_and_unknown_ids(scene):
    selection = get_selection([scene["first"].id, scene["pending"].id, 999999, scene["first"].id])

    assert [o.number for o in selection.orders] == [scene["first"].number]
    assert [o.number for o in selection.skipped] == [scene["pending"].number]
    assert selection.unknown_ids == [999999]


def test_pick_list_uses_a_fixed_number_of_queries(scene, db):
    def queries_for(orders_ids):
        db.session.expunge_all()
        with count_queries(db.engine) as statements:
            selection = get_selection(orders_ids)
            build_pick_list(selection.orders)
        return len(statements)

    first_id, second_id = scene["first"].id, scene["second"].id
    melk = make_product("Hoevemelk", producer=scene["aalter"], stock=50)
    box = make_package([(melk, 2), (scene["brugse"], 1)], name="Ontbijtpakket")
    extra = [_on_day(make_paid_order((melk, 1), (box, 1))).id for _ in range(3)]
    db.session.commit()
    one = queries_for([first_id])
    many = queries_for([first_id, second_id, *extra])

    assert one == many


def test_pick_list_names_each_pickup_order_s_chosen_hour(db, app):
    kaas = make_product("Hoevekaas", stock=20)
    placed_at = datetime(2026, 12, 14, 9, 0, tzinfo=SHOP_TIMEZONE)
    at_eleven = make_paid_order((kaas, 1), data=make_order_data(pickup_date=DAY, pickup_time="11:00"), now=placed_at)
    moved = make_paid_order((kaas, 1), data=make_order_data(pickup_date=date(2026, 12, 23), pickup_time="11:00"),
                            now=placed_at)
    _on_day(moved)  # staff moved it to DAY: the hour booked on the 23rd no longer says when
    db.session.commit()

    pick = build_pick_list([at_eleven, moved])

    assert [(row.order.number, row.pickup_window) for row in pick.orders] == [
        (at_eleven.number, ("11:00", "12:00")), (moved.number, None)]
    with app.test_request_context():
        rows = pdf_rows(render_pick_list_pdf(pick, "dinsdag 22 december 2026", compress=False))
    text = "\n".join(" ".join(row) for row in rows)
    assert text.count("2026, tussen 11:00 en 12:00") == 1  # the cell wraps after "december"


def test_packing_slip_of_a_pickup_gives_the_chosen_hour(db, app):
    kaas = make_product("Hoevekaas", stock=20)
    placed_at = datetime(2026, 12, 14, 9, 0, tzinfo=SHOP_TIMEZONE)
    at_noon = make_paid_order((kaas, 1), data=make_order_data(pickup_date=DAY, pickup_time="12:00"), now=placed_at)
    moved = make_paid_order((kaas, 1), data=make_order_data(pickup_date=date(2026, 12, 23), pickup_time="11:00"),
                            now=placed_at)
    _on_day(moved)  # staff moved it to DAY: the hour booked on the 23rd no longer says when
    db.session.commit()

    slips = build_packing_slips([at_noon, moved])
    with app.test_request_context():
        pages = [" ".join(" ".join(row) for row in pdf_rows(render_packing_slips_pdf([slip], compress=False)))
                 for slip in slips]

    assert [slip.pickup_window for slip in slips] == [("12:00", "13:00"), None]
    assert "Afhalen op dinsdag 22 december 2026, tussen 12:00 en 13:00 in het Groot Vleeshuis" in pages[0]
    assert "Afhalen op dinsdag 22 december 2026 in het Groot Vleeshuis" in pages[1]


def test_packing_slip_of_a_gift_has_no_prices_but_the_message(db):
    kaas = make_product("Hoevekaas", price_cents=900)
    gift = make_paid_order((kaas, 2), data=make_order_data(
        "delivery", is_gift=True, gift_message="Zalige feesten, oma!", recipient_name="Oma Rosa"))
    own = make_paid_order((kaas, 1))
    db.session.commit()

    gift_slip, own_slip = build_packing_slips([gift, own])

    assert gift_slip.is_gift and not gift_slip.show_prices
    assert gift_slip.gift_message == "Zalige feesten, oma!"
    assert gift_slip.recipient_name == "Oma Rosa"
    assert gift_slip.address_lines == ["Veldstraat 1", "9000 Gent"]
    assert own_slip.show_prices and own_slip.is_pickup and own_slip.gift_message == ""


def _pdf_text(data: bytes) -> str | None:
    """The visible text, when a reader is around (pypdf or poppler's pdftotext; neither is a dependency)."""
    try:
        from pypdf import PdfReader  # type: ignore[import-not-found]
    except ImportError:
        PdfReader = None
    if PdfReader is not None:
        import io

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return None


def test_pick_list_pdf_is_an_a4_pdf_with_the_orders(scene, app):
    with app.test_request_context():
        pick = build_pick_list(list_orders_for_day(DAY))
        data = render_pick_list_pdf(pick, "dinsdag 22 december 2026", compress=False)

    assert data.startswith(b"%PDF")
    assert b"/Title (Picklijst" in data
    assert scene["first"].number.encode() in data  # in the document's subject
    assert b"DejaVuSans" in data
    text = _pdf_text(data)
    if text is not None:
        assert "Hoeve Aalter" in text and "Graanjenever" in text and "Kerstpakket" in text


def test_packing_slips_pdf_has_one_page_per_order_and_gift_card_pdf_is_a6(db, app):
    kaas = make_product("Hoevekaas", price_cents=900)
    gift = make_paid_order((kaas, 1), data=make_order_data(
        "delivery", is_gift=True, gift_message="Proficiat!", recipient_name="Marie Claes"))
    own = make_paid_order((kaas, 1))
    db.session.commit()

    with app.test_request_context():
        slips = build_packing_slips([gift, own])
        data = render_packing_slips_pdf(slips, compress=False)
        card = render_gift_card_pdf(slips[0], compress=False)

    assert data.startswith(b"%PDF")
    assert b"/Count 2" in data  # one page per order
    assert card.startswith(b"%PDF")
    assert b"/MediaBox [0 0 297.64 419.53]" in card  # A6 in points
    text = _pdf_text(card)
    if text is not None:
        assert "Proficiat!" in text and "Marie Claes" in text
