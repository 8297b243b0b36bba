"""Resolving shortages: substitute (value rule, named substitute, stock) or refund the missing part, once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.catalog.models import ProductStatus
from shop.core.audit import AuditEntry
from shop.extensions import db as _db
from shop.inventory.models import MovementReason, StockMovement
from shop.inventory.services import OutOfStock
from shop.orders.lifecycle import transition
from shop.orders.models import Order, OrderStatus, Refund
from shop.outbox.models import OutboxMessage
from shop.packages.models import PackageComponent
from shop.supply.models import ShortageReport, ShortageStatus
from shop.supply.shortage_resolution import (
    AlreadyResolved,
    ShortageResolutionError,
    missing_value_cents,
    refund_missing,
    report_shortage_by_staff,
    substitute,
    substitution_options,
)
from shop.supply.shortages import ShortageError, report_shortage
from tests.factories import make_package, make_paid_order, make_producer, make_product, make_staff, make_user
from tests.helpers import count_queries, race


@pytest.fixture
def shop(db):
    """Cheese (4,50) of De Linde loose x3 and in a package (2 per package, package 35,01) x2; jam (6,00) of
    another farm in the package; gouda (5,00) and butter (3,00, the package's named substitute for cheese)."""
    linde = make_producer("Hoeve De Linde")
    cheese = make_product("Hoevekaas", producer=linde, price_cents=450, stock=50)
    jam = make_product("Aardbeienconfituur", price_cents=600, stock=50)
    dairy = make_producer("Zuivel Van Hecke")
    gouda = make_product("Oude gouda", producer=dairy, price_cents=500, stock=10)
    butter = make_product("Hoeveboter", producer=dairy, price_cents=300, stock=10)
    package = make_package([(cheese, 2), (jam, 1)], price_cents=3501)
    component = _db.session.scalars(select(PackageComponent).where(PackageComponent.product_id == cheese.id)).one()
    component.substitute_product_id = butter.id
    order = make_paid_order((cheese, 3), (package, 2))
    staff = make_staff()
    loose, package_line = order.lines
    return dict(linde=linde, dairy=dairy, cheese=cheese, jam=jam, gouda=gouda, butter=butter, order=order,
                loose=loose, package_line=package_line, staff=staff)


def _report(s, line_key: str, units: int, product_key: str = "cheese") -> ShortageReport:
    return report_shortage_by_staff(s[line_key], s[product_key], units, "", by=s["staff"])


def _movements(product_id: int) -> list[tuple[int, str, int | None]]:
    return [(m.delta, m.reason.value, m.by_user_id) for m in _db.session.scalars(
        select(StockMovement).where(StockMovement.product_id == product_id).order_by(StockMovement.id))]


# --- value maths ---------------------------------------------------------------------------------------------


def test_the_package_share_of_cheese_is_2101_cents(db, shop):
    # 3501 split over list prices 900 (2 x 4,50) and 600: 2100,6 and 1400,4 -> largest remainder: 2101 and 1400.
    assert [c.share_cents for c in shop["package_line"].components] == [2101, 1400]


def test_missing_loose_units_are_worth_unit_price_times_units(db, shop):
    assert missing_value_cents(shop["loose"], shop["cheese"].id, 2) == 900


@pytest.mark.parametrize(("units", "value"), [(1, 1051), (2, 2101), (3, 3152), (4, 4202)])
def test_missing_component_units_are_worth_their_share_rounded_half_up(db, shop, units, value):
    # share 2101 per package for 2 cheeses: 1050,5 per cheese.
    assert missing_value_cents(shop["package_line"], shop["cheese"].id, units) == value


# --- substitution --------------------------------------------------------------------------------------------


def test_substitute_a_loose_line_fills_the_report_and_takes_the_substitutes_stock(db, shop):
    report = _report(shop, "loose", 2)

    substitute(report, shop["gouda"], by=shop["staff"], note="  klant gebeld  ")

    assert (report.status, report.value_cents, report.substitute_product_id, report.substitute_producer_id,
            report.substitute_name, report.substitute_quantity, report.substitute_vat_rate,
            report.substitute_value_cents, report.resolved_by_user_id, report.resolution_note) == (
        ShortageStatus.SUBSTITUTED, 900, shop["gouda"].id, shop["dairy"].id, "Oude gouda", 2, 6, 1000,
        shop["staff"].id, "klant gebeld")
    assert report.resolved_at is not None
    assert shop["gouda"].stock == 8
    assert _movements(shop["gouda"].id) == [(10, "initial", None), (-2, "substitution", shop["staff"].id)]
    # The missing product's stock is not given back: the producer did not have it.
    assert shop["cheese"].stock == 50 - 3 - 4
    assert [m[1] for m in _movements(shop["cheese"].id)] == ["initial", "order"]


def test_substitute_a_package_component_uses_the_share(db, shop):
    report = _report(shop, "package_line", 3)

    substitute(report, shop["gouda"], by=shop["staff"])

    assert (report.value_cents, report.substitute_quantity, report.substitute_value_cents) == (3152, 3, 1500)
    assert shop["gouda"].stock == 7


def test_the_named_substitute_is_allowed_although_cheaper(db, shop):
    report = _report(shop, "package_line", 1)

    substitute(report, shop["butter"], by=shop["staff"])

    assert (report.status, report.value_cents, report.substitute_value_cents) == (ShortageStatus.SUBSTITUTED, 1051, 300)
    assert shop["butter"].stock == 9


def test_a_cheaper_product_is_refused_and_nothing_changes(db, shop):
    report = _report(shop, "loose", 1)  # butter is no named substitute for a loose line

    with pytest.raises(ShortageResolutionError) as error:
        substitute(report, shop["butter"], by=shop["staff"])

    assert str(error.value) == ("Hoeveboter is goedkoper (€\xa03,00) dan het ontbrekende product (€\xa04,50). "
                                "Kies een product van gelijke of hogere waarde.")
    assert (report.status, shop["butter"].stock) == (ShortageStatus.OPEN, 10)


def test_an_unpublished_product_is_refused(db, shop):
    shop["gouda"].status = ProductStatus.HIDDEN
    report = _report(shop, "loose", 1)
    with pytest.raises(ShortageResolutionError) as error:
        substitute(report, shop["gouda"], by=shop["staff"])
    assert str(error.value) == "Oude gouda staat niet te koop en kan niet als vervanging dienen."


def test_the_missing_product_itself_is_refused(db, shop):
    report = _report(shop, "loose", 1)
    with pytest.raises(ShortageResolutionError) as error:
        substitute(report, shop["cheese"], by=shop["staff"])
    assert str(error.value) == "Kies een ander product dan het ontbrekende."


def test_a_substitute_without_enough_stock_is_refused(db, shop):
    thin = make_product("Truffelkaas", price_cents=900, stock=1)
    report = _report(shop, "loose", 2)
    with pytest.raises(OutOfStock):
        substitute(report, thin, by=shop["staff"])
    assert report.status == ShortageStatus.OPEN


def test_substitution_after_the_order_left_is_refused(db, shop):
    report = _report(shop, "loose", 1)
    transition(shop["order"], OrderStatus.IN_PREPARATION)
    transition(shop["order"], OrderStatus.READY_FOR_PICKUP)
    with pytest.raises(ShortageResolutionError):
        substitute(report, shop["gouda"], by=shop["staff"])


def test_a_resolved_report_cannot_be_resolved_again(db, shop):
    report = _report(shop, "loose", 1)
    substitute(report, shop["gouda"], by=shop["staff"])

    with pytest.raises(AlreadyResolved) as error:
        refund_missing(report, by=shop["staff"])
    assert str(error.value) == "Dit tekort is al afgehandeld; er is niets gewijzigd."
    with pytest.raises(AlreadyResolved):
        substitute(report, shop["gouda"], by=shop["staff"])
    assert shop["gouda"].stock == 9


def test_substitution_mails_the_customer_what_replaced_what(db, shop):
    report = _report(shop, "package_line", 1)

    substitute(report, shop["butter"], by=shop["staff"])
    db.session.commit()  # the mail is drawn once the resolution is committed

    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "order_shortage_substituted")).one()
    order = shop["order"]
    assert (mail.to_address, mail.order_id) == (order.email, order.id)
    assert mail.subject == f"Een product in je bestelling {order.number} is vervangen"
    assert f"kunnen we 1 × Hoevekaas uit het pakket {shop['package_line'].name} niet leveren" in mail.body_text
    assert "We vervangen het door 1 × Hoeveboter van Zuivel Van Hecke" in mail.body_text
    assert "Hoeveboter" in mail.body_html


def test_substitution_is_recorded_in_the_audit_log(db, shop):
    report = _report(shop, "loose", 2)
    substitute(report, shop["gouda"], by=shop["staff"])
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "shortage.substitute")).one()
    assert (entry.by_user_id, entry.subject_type, entry.subject_id, entry.detail) == (
        shop["staff"].id, "shortage", report.id, f"{shop['order'].number}: 2 × Hoevekaas → Oude gouda")


def test_options_put_the_named_substitute_first_then_equal_or_higher_value(db, shop):
    make_product("Dure kaas", price_cents=450, stock=5)
    make_product("Geen voorraad", price_cents=800, stock=0)
    make_product("Concept", price_cents=800, stock=5, status=ProductStatus.DRAFT)
    report = _report(shop, "package_line", 1)

    options = substitution_options(report)

    assert options.named.name == "Hoeveboter"
    assert [p.name for p in options.others] == ["Dure kaas", "Oude gouda", "Aardbeienconfituur"]
    assert options.min_price_cents == 450
    assert [p.name for p in substitution_options(report, "GOUDA").others] == ["Oude gouda"]
    assert [p.name for p in substitution_options(report, "van hecke").others] == ["Oude gouda"]


def test_options_for_a_loose_line_have_no_named_substitute(db, shop):
    options = substitution_options(_report(shop, "loose", 1))
    assert options.named is None
    assert "Hoeveboter" not in [p.name for p in options.others]


# --- refund --------------------------------------------------------------------------------------------------


def test_refund_the_missing_part_of_a_package(db, shop):
    report = _report(shop, "package_line", 3)
    order = shop["order"]

    refund_missing(report, by=shop["staff"], note="geen vervanging")
    db.session.commit()  # the mail is drawn once the resolution is committed

    refund = db.session.get(Refund, report.refund_id)
    assert (report.status, report.value_cents, refund.amount_cents, refund.by_user_id, order.refunded_cents) == (
        ShortageStatus.REFUNDED, 3152, 3152, shop["staff"].id, 3152)
    assert refund.reason == "Tekort: 3 × Hoevekaas (geen vervanging)"
    assert report.resolution_note == "geen vervanging"
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "order_shortage_refunded")).one()
    assert mail.subject == f"We betalen een deel van je bestelling {order.number} terug"
    assert "We betalen je €\xa031,52 terug" in mail.body_text
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "shortage.refund")) == (
        f"{order.number}: 3 × Hoevekaas, €\xa031,52")


def test_refund_of_a_cancelled_order_is_refused(db, shop):
    report = _report(shop, "loose", 1)
    transition(shop["order"], OrderStatus.CANCELLED)
    with pytest.raises(ShortageResolutionError):
        refund_missing(report, by=shop["staff"])
    assert report.status == ShortageStatus.OPEN


def test_a_refund_cannot_follow_a_refund(db, shop):
    report = _report(shop, "loose", 1)
    refund_missing(report, by=shop["staff"])
    with pytest.raises(AlreadyResolved):
        refund_missing(report, by=shop["staff"])
    assert shop["order"].refunded_cents == 450


# --- staff reports -------------------------------------------------------------------------------------------


def test_staff_report_any_product_of_the_order(db, shop):
    report = report_shortage_by_staff(shop["package_line"], shop["jam"], 2, "gebroken pot", by=shop["staff"])

    assert (report.status, report.producer_id, report.reported_by_user_id, report.quantity, report.note) == (
        ShortageStatus.OPEN, shop["jam"].producer_id, shop["staff"].id, 2, "gebroken pot")
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.subject_id == report.id)) == "shortage.report"


def test_staff_report_keeps_the_shortage_rules(db, shop):
    with pytest.raises(ShortageError) as error:
        report_shortage_by_staff(shop["loose"], shop["cheese"], 4, "", by=shop["staff"])
    assert str(error.value) == "Geef een aantal van 1 tot 3."


def test_a_producer_report_is_resolved_the_same_way(db, shop):
    farmer = make_user(role="producer", producer=shop["linde"], password=None)
    report = report_shortage(shop["loose"], shop["cheese"], 1, "hagel", by=farmer)
    substitute(report, shop["gouda"], by=shop["staff"])
    assert (report.value_cents, report.substitute_value_cents) == (450, 500)


# --- two staff members at once -------------------------------------------------------------------------------


def _race(app, actions) -> list[str]:
    """Run each action in its own thread, app context and session, released together: "done" or "already"."""
    return race(app, actions, outcomes={AlreadyResolved: "already"})


def _ids(db, shop):
    report = _report(shop, "package_line", 2)
    db.session.commit()
    ids = dict(report=report.id, staff=shop["staff"].id, other=make_staff().id, gouda=shop["gouda"].id,
               order=shop["order"].id)
    db.session.commit()
    return ids


def _refund_action(ids, staff_key):
    def action():
        from shop.accounts.models import User

        refund_missing(_db.session.get(ShortageReport, ids["report"]), by=_db.session.get(User, ids[staff_key]))
        return "done"
    return action


def _substitute_action(ids, staff_key):
    def action():
        from shop.accounts.models import User
        from shop.catalog.models import Product

        substitute(_db.session.get(ShortageReport, ids["report"]), _db.session.get(Product, ids["gouda"]),
                   by=_db.session.get(User, ids[staff_key]))
        return "done"
    return action


def test_two_staff_refunding_at_once_refund_once(app, db, shop):
    ids = _ids(db, shop)

    results = _race(app, [_refund_action(ids, "staff"), _refund_action(ids, "other")])

    assert sorted(results) == ["already", "done"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Refund.id))) == 1
    assert db.session.get(Order, ids["order"]).refunded_cents == 2101
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "order_shortage_refunded")) == 1


def test_substitute_and_refund_at_once_resolve_once(app, db, shop):
    ids = _ids(db, shop)

    results = _race(app, [_substitute_action(ids, "staff"), _refund_action(ids, "other")])

    assert sorted(results) == ["already", "done"]
    db.session.expire_all()
    report = db.session.get(ShortageReport, ids["report"])
    refunds = db.session.scalar(select(func.count(Refund.id)))
    gouda_movements = db.session.scalar(select(func.count(StockMovement.id)).where(
        StockMovement.product_id == ids["gouda"], StockMovement.reason == MovementReason.SUBSTITUTION))
    if report.status == ShortageStatus.SUBSTITUTED:
        assert (refunds, gouda_movements, report.refund_id) == (0, 1, None)
    else:
        assert (report.status, refunds, gouda_movements) == (ShortageStatus.REFUNDED, 1, 0)


def test_two_staff_substituting_at_once_take_stock_once(app, db, shop):
    ids = _ids(db, shop)

    results = _race(app, [_substitute_action(ids, "staff"), _substitute_action(ids, "other")])

    assert sorted(results) == ["already", "done"]
    db.session.expire_all()
    from shop.catalog.models import Product

    assert db.session.get(Product, ids["gouda"]).stock == 8
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "order_shortage_substituted")) == 1


# --- reads ---------------------------------------------------------------------------------------------------


def _count_queries(db, read) -> int:
    db.session.commit()
    db.session.expire_all()
    with count_queries(db.engine) as statements:
        read()
    return len(statements)


def test_the_staff_list_is_a_fixed_number_of_queries(db, shop):
    from shop.supply.shortage_resolution import list_shortages_for_staff

    first = _report(shop, "loose", 1)
    _report(shop, "package_line", 1, "jam")
    substitute(first, shop["gouda"], by=shop["staff"])
    expected = [("Aardbeienconfituur", shop["jam"].producer.name, shop["staff"].email),
                ("Hoevekaas", "Hoeve De Linde", shop["staff"].email)]
    seen = []

    def read():
        open_rows, resolved_rows = list_shortages_for_staff()
        seen.extend((r.report.product.name, r.report.producer.name, r.reported_by) for r in open_rows + resolved_rows)

    assert _count_queries(db, read) == 6
    assert seen == expected


def test_the_options_are_a_fixed_number_of_queries(db, shop):
    report_id = _report(shop, "package_line", 1).id

    def read():
        options = substitution_options(db.session.get(ShortageReport, report_id))
        [p.producer.name for p in options.others]  # noqa: B018 (loads what the page shows)

    few = _count_queries(db, read)
    for n in range(6):
        make_product(f"Kaas {n}", price_cents=500 + n, stock=5)
    assert _count_queries(db, read) == few


def test_the_shortage_mails_give_the_pickup_day_with_the_chosen_hour(db, shop):
    from tests.factories import SAMPLE_DAY, SAMPLE_PLACED_AT, make_order_data

    order = make_paid_order((shop["cheese"], 3), data=make_order_data(pickup_date=SAMPLE_DAY, pickup_time="16:00"),
                            now=SAMPLE_PLACED_AT)
    [line] = order.lines

    substitute(report_shortage_by_staff(line, shop["cheese"], 1, "", by=shop["staff"]), shop["gouda"],
               by=shop["staff"])
    refund_missing(report_shortage_by_staff(line, shop["cheese"], 1, "", by=shop["staff"]), by=shop["staff"])
    db.session.commit()  # the mails are drawn once the resolution is committed

    for kind in ("order_shortage_substituted", "order_shortage_refunded"):
        mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).one()
        assert "Afhalen: dinsdag 22 december 2026, tussen 16:00 en 17:00" in mail.body_text
        assert "Afhalen: dinsdag 22 december 2026, tussen 16:00 en 17:00" in mail.body_html
