"""The gift list pages through the test client."""

import io

import pytest
from flask_babel import format_date
from PIL import Image
from sqlalchemy import func, select

from shop.catalog.models import Product
from shop.extensions import db
from shop.gifts import services
from shop.gifts.models import GiftOrder
from shop.orders.models import Order, OrderStatus
from shop.scheduling.days import delivery_days
from shop.scheduling.models import SlotKind
from shop.scheduling.services import close_slot
from tests.factories import log_in_as, make_user

HEADER = "Naam;Bedrijf;Straat en nummer;Postcode;Gemeente;Land;Persoonlijke boodschap;Wat;Aantal;Gewenste datum"


def _csv(*lines) -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp1252")


def _upload(client, data: bytes):
    return client.post("/bedrijfsgeschenken/lijst", data={"file": (io.BytesIO(data), "lijst.csv")},
                       content_type="multipart/form-data")


def test_a_customer_without_a_company_is_sent_to_the_company_profile(client, db):
    log_in_as(client, make_user("consument@voorbeeld.be"))

    response = client.get("/bedrijfsgeschenken")

    assert (response.status_code, response.headers["Location"]) == (303, "/account/bedrijf")


def test_an_upload_shows_errors_per_row_and_column_with_text_escaped(client, gift_shop):
    log_in_as(client, gift_shop["company"])

    assert _upload(client, _csv("An;;Veldstraat 1;9000;Gent;België;Fijne feesten;pralines;1;",
                                "<script>x</script>;;Veldstraat 2;9000;Brussel;;;pralines;1;")).status_code == 303
    page = client.get("/bedrijfsgeschenken").get_data(as_text=True)

    assert "1 rij moet nog verbeterd worden" in page
    assert "Rij 2, Gemeente: “Brussel” hoort niet bij postcode 9000" in page
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "Fout: Bedrijfsgeschenken" in page


def test_a_row_fixed_in_the_table_makes_the_list_orderable(client, gift_shop):
    log_in_as(client, gift_shop["company"])
    _upload(client, _csv("An;;Veldstraat 1;9000;Gent;België;;pralines;1;", "Bo;;Veldstraat 2;9000;Brussel;;;pralines;1;"))
    bo = db.session.scalars(select(GiftOrder)).one().recipients[1]

    response = client.post("/bedrijfsgeschenken/tabel", data={f"r-{bo.id}-city": "Gent"})
    page = client.get("/bedrijfsgeschenken").get_data(as_text=True)

    assert response.status_code == 303
    assert "Bestel en betaal € 43,90 via Stripe" in page.replace("\xa0", " ")


def test_in_demo_mode_the_pay_button_says_demo_like_the_checkout(client, gift_shop):
    log_in_as(client, gift_shop["company"])
    _upload(client, _csv("An;;Veldstraat 1;9000;Gent;België;;pralines;1;"))

    page = client.get("/bedrijfsgeschenken").get_data(as_text=True).replace("\xa0", " ")

    assert 'value="pay">Bestel en betaal € 21,95 via Stripe (demo)</button>' in page
    assert "Demo: er wordt niets echt betaald." in page
    assert "beveiligde betaalpagina" not in page


def test_with_stripe_the_pay_button_says_stripe_and_its_secure_page(app, client, gift_shop, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_unreachable")
    log_in_as(client, gift_shop["company"])
    _upload(client, _csv("An;;Veldstraat 1;9000;Gent;België;;pralines;1;"))

    page = client.get("/bedrijfsgeschenken").get_data(as_text=True).replace("\xa0", " ")

    assert 'value="pay">Bestel en betaal € 21,95 via Stripe</button>' in page
    assert "Je betaalt veilig op de beveiligde betaalpagina van Stripe, met Bancontact of kaart." in page
    assert "Demo:" not in page


def test_rows_are_added_and_removed_without_javascript(client, gift_shop):
    log_in_as(client, gift_shop["company"])
    _upload(client, _csv("An;;Veldstraat 1;9000;Gent;België;;pralines;1;", "Bo;;Veldstraat 2;9000;Gent;;;pralines;1;"))
    gift = db.session.scalars(select(GiftOrder)).one()
    bo_id = gift.recipients[1].id

    client.post("/bedrijfsgeschenken/tabel", data={"remove": str(bo_id)})
    client.post("/bedrijfsgeschenken/tabel", data={"add_row": "1"})

    db.session.expire_all()
    assert [r.name for r in db.session.scalars(select(GiftOrder)).one().recipients] == ["An", ""]


def test_a_second_upload_asks_before_replacing(client, gift_shop):
    log_in_as(client, gift_shop["company"])
    _upload(client, _csv("An;;Veldstraat 1;9000;Gent;België;;pralines;1;"))

    response = _upload(client, _csv("An;;Veldstraat 1;9000;Gent;België;;pralines;2;", "Bo;;Kouter 1;9000;Gent;;;pralines;1;"))
    page = client.get("/bedrijfsgeschenken/wijzigingen").get_data(as_text=True)

    assert response.headers["Location"] == "/bedrijfsgeschenken/wijzigingen"
    assert "1 toegevoegd, 0 verwijderd, 1 gewijzigd, 0 ongewijzigd." in page

    client.post("/bedrijfsgeschenken/wijzigingen", data={"action": "confirm"})

    db.session.expire_all()
    assert [(r.name, r.quantity) for r in db.session.scalars(select(GiftOrder)).one().recipients] == [("An", "2"),
                                                                                                      ("Bo", "1")]


def test_ordering_pays_once_through_the_payment_page(client, gift_shop):
    log_in_as(client, gift_shop["company"])
    _upload(client, _csv(*[f"R{n};;Veldstraat {n};9000;Gent;België;;pralines;1;" for n in range(1, 4)]))

    response = client.post("/bedrijfsgeschenken/bestellen", data={"how": "pay"})

    order = db.session.scalars(select(Order)).one()
    assert response.status_code == 303 and order.status_token in response.headers["Location"]
    assert (len(order.shipments), order.total_cents) == (3, 3 * (1500 + 695))


def test_a_list_ordered_twice_at_once_is_ordered_once_and_the_second_is_told(client, gift_shop, monkeypatch):
    # Both clicks on "order" read the list as a draft; the second, checked before the first was stored, ordered
    # it again: a second order taking the stock again, and the list linked to only one of them.
    company = gift_shop["company"]
    log_in_as(client, company)
    _upload(client, _csv(*[f"R{n};;Veldstraat {n};9000;Gent;België;;pralines;1;" for n in range(1, 3)]))
    check = services.check_gift
    calls = []

    def checked_while_the_other_click_orders(gift, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            services.place_gift_order(gift, by=company)
            db.session.commit()  # the other click's request, done
        return check(gift, **kwargs)

    monkeypatch.setattr(services, "check_gift", checked_while_the_other_click_orders)

    response = client.post("/bedrijfsgeschenken/bestellen", data={"how": "pay"}, follow_redirects=True)

    assert "Deze lijst is al besteld." in response.get_data(as_text=True)
    monkeypatch.undo()
    db.session.expire_all()
    order = db.session.scalars(select(Order)).one()
    assert db.session.scalars(select(GiftOrder.order_id).where(GiftOrder.order_id.is_not(None))).all() == [order.id]
    assert db.session.get(Product, gift_shop["pralines"].id).stock == 50 - 2


def test_a_list_changed_in_another_tab_while_it_is_ordered_is_not_ordered(client, gift_shop, monkeypatch):
    # Ordering read the rows (Bo gets one box); another tab stored two for Bo before the list was claimed: the
    # order was made of rows the list no longer had.
    company = gift_shop["company"]
    log_in_as(client, company)
    _upload(client, _csv("An;;Veldstraat 1;9000;Gent;België;;pralines;1;", "Bo;;Kouter 1;9000;Gent;;;pralines;1;"))
    bo_id = db.session.scalars(select(GiftOrder)).one().recipients[1].id
    check = services.check_gift
    calls = []

    def checked_then_the_other_tab_changes_it(gift, **kwargs):
        checked = check(gift, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            services.update_recipients(gift, {bo_id: {"quantity": "2"}})
            db.session.commit()  # the other tab's request, done
        return checked

    monkeypatch.setattr(services, "check_gift", checked_then_the_other_tab_changes_it)

    response = client.post("/bedrijfsgeschenken/bestellen", data={"how": "pay"}, follow_redirects=True)

    assert "De lijst is intussen gewijzigd, bv. in een ander venster. Er is niets besteld" in _text(response)
    monkeypatch.undo()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert db.session.get(Product, gift_shop["pralines"].id).stock == 50
    gift = services.get_draft(company)
    assert [(r.name, r.quantity, r.shipment_id) for r in gift.recipients] == [("An", "1", None), ("Bo", "2", None)]


def _list_as_stored(gift_id: int):
    """A list's row and recipients as the database has them."""
    db.session.expire_all()
    gift = db.session.get(GiftOrder, gift_id)
    return (gift.status, gift.order_id, gift.common_message, gift.logo_key, gift.pending_rows,
            [(r.id, r.position, r.values(), r.shipment_id) for r in gift.recipients])


@pytest.mark.parametrize("change", ["upload", "confirm", "discard", "table", "card"])
def test_a_change_to_a_list_that_was_ordered_meanwhile_is_refused_and_changes_nothing(client, gift_shop, monkeypatch,
                                                                                      change):
    # The change read the list as a draft; another tab ordered it before the change was stored: the ordered list's
    # rows (its recipients, its shipments' source) or card no longer matched its order.
    company = gift_shop["company"]
    log_in_as(client, company)
    _upload(client, _csv("An;;Veldstraat 1;9000;Gent;België;;pralines;1;", "Bo;;Kouter 1;9000;Gent;;;pralines;1;"))
    second = _csv("An;;Veldstraat 1;9000;Gent;België;;pralines;2;", "Cas;;Kouter 9;9000;Gent;;;pralines;1;")
    if change in ("confirm", "discard"):
        _upload(client, second)  # waits for the company's answer
    gift = db.session.scalars(select(GiftOrder)).one()
    gift_id, (an_id, bo_id) = gift.id, [r.id for r in gift.recipients]
    draft_of = services.get_or_create_draft
    ordered = []

    def read_then_the_other_tab_orders(user):
        gift = draft_of(user)
        if not ordered:
            ordered.append(services.place_gift_order(gift, by=company))
            db.session.commit()  # the other tab's request, done
            ordered.append(_list_as_stored(gift.id))
        return gift

    monkeypatch.setattr(services, "get_or_create_draft", read_then_the_other_tab_orders)

    if change == "upload":
        response = _upload(client, second)
    elif change in ("confirm", "discard"):
        response = client.post("/bedrijfsgeschenken/wijzigingen", data={"action": change})
    elif change == "table":
        response = client.post("/bedrijfsgeschenken/tabel", data={f"r-{bo_id}-city": "Gentbrugge",
                                                                  "remove": str(an_id), "add_row": "1"})
    else:
        response = client.post("/bedrijfsgeschenken/kaart", data={"message": "Fijne feesten!"},
                               content_type="multipart/form-data")

    assert (response.status_code, response.headers["Location"]) == (303, "/bedrijfsgeschenken")
    assert "Deze lijst is al besteld." in _text(client.get("/bedrijfsgeschenken"))
    order, as_ordered = ordered
    assert _list_as_stored(gift_id) == as_ordered
    assert as_ordered[:2] == ("placed", order.id)
    assert [shipment_id for *_, shipment_id in as_ordered[-1]] == [s.id for s in order.shipments]


def test_the_templates_download(client, gift_shop):
    log_in_as(client, gift_shop["company"])

    xlsx = client.get("/bedrijfsgeschenken/sjabloon.xlsx")
    csv = client.get("/bedrijfsgeschenken/sjabloon.csv")

    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert "kerstpakket;Kerstpakket;pakket" in csv.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_a_gift_list_from_the_minimum_becomes_a_quote_instead_of_a_payment(client, gift_shop):
    log_in_as(client, gift_shop["company"])
    _upload(client, _csv(*[f"R{n};;Veldstraat {n};9000;Gent;België;;pralines;1;" for n in range(1, 26)]))

    page = client.get("/bedrijfsgeschenken").get_data(as_text=True)
    response = client.post("/bedrijfsgeschenken/bestellen", data={"how": "quote"})

    assert "Vraag een offerte" in page
    order = db.session.scalars(select(Order)).one()
    assert (order.status, len(order.shipments), order.total_cents) == ("quoted", 25, 25 * (1500 + 695))
    assert order.quote_number.startswith("OFF-")
    assert response.headers["Location"] == f"/bestelling/{order.status_token}"


def test_a_small_gift_list_cannot_be_a_quote_and_nothing_is_ordered(client, gift_shop):
    log_in_as(client, gift_shop["company"])
    _upload(client, _csv(*[f"R{n};;Veldstraat {n};9000;Gent;België;;pralines;1;" for n in range(1, 4)]))

    page = client.get("/bedrijfsgeschenken").get_data(as_text=True)
    response = client.post("/bedrijfsgeschenken/bestellen", data={"how": "quote"}, follow_redirects=True)

    assert "Een offerte met betaling per overschrijving kan vanaf" in page
    assert "Een offerte is er voor bedrijven, voor bestellingen vanaf" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert gift_shop["pralines"].stock == 50


def test_a_payment_that_cannot_start_cancels_the_order_and_the_list_is_a_draft_again(app, client, gift_shop,
                                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_unreachable")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "http://127.0.0.1:9")
    monkeypatch.setitem(app.config, "STRIPE_MAX_NETWORK_RETRIES", 0)
    log_in_as(client, gift_shop["company"])
    _upload(client, _csv(*[f"R{n};;Veldstraat {n};9000;Gent;België;;pralines;1;" for n in range(1, 3)]))

    response = client.post("/bedrijfsgeschenken/bestellen", data={"how": "pay"})

    assert response.status_code == 303 and response.headers["Location"].endswith("/bedrijfsgeschenken")
    order = db.session.scalars(select(Order)).one()
    assert order.status == OrderStatus.CANCELLED
    assert db.session.get(Product, gift_shop["pralines"].id).stock == 50
    draft = services.get_draft(gift_shop["company"])
    assert draft is not None and draft.order_id is None and len(draft.recipients) == 2
    assert "De betaling kon niet gestart worden" in client.get("/bedrijfsgeschenken").get_data(as_text=True)


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\xa0", " ")


def test_the_page_notes_gifts_above_50_euro_excluding_vat_and_spirits(client, gift_shop):
    log_in_as(client, gift_shop["company"])
    # Two Kerstpakketten (70,00, about 62 excl. VAT, with a jenever) to An; one box of pralines to Bo.
    _upload(client, _csv("An;;Veldstraat 1;9000;Gent;België;;kerstpakket;2;", "Bo;;Kouter 1;9000;Gent;;;pralines;1;"))

    page = _text(client.get("/bedrijfsgeschenken"))

    assert ("1 ontvanger krijgt een geschenk van meer dan € 50,00 excl. btw. Op zulke geschenken kan een Belgisch "
            "bedrijf de btw niet aftrekken.") in page
    assert "De lijst bevat alcoholische dranken." in page


def test_a_list_without_such_gifts_has_neither_note(client, gift_shop):
    log_in_as(client, gift_shop["company"])
    _upload(client, _csv("An;;Veldstraat 1;9000;Gent;België;;pralines;1;"))

    page = _text(client.get("/bedrijfsgeschenken"))

    assert "btw niet aftrekken" not in page and "alcoholische dranken" not in page


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), "red").save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def test_the_card_keeps_the_common_message_and_a_logo_checked_like_a_product_photo(client, gift_shop):
    log_in_as(client, gift_shop["company"])
    client.get("/bedrijfsgeschenken")  # the draft list

    refused = client.post("/bedrijfsgeschenken/kaart", content_type="multipart/form-data",
                          data={"message": "Fijne feesten!", "logo": (io.BytesIO(b"<svg onload=alert(1)>"), "logo.png")})
    db.session.expire_all()
    gift = services.get_draft(gift_shop["company"])
    assert refused.status_code == 422
    assert "Dit bestand is geen foto die we kunnen lezen." in _text(refused)
    assert (gift.common_message, gift.logo_key) == ("", None)

    saved = client.post("/bedrijfsgeschenken/kaart", content_type="multipart/form-data",
                        data={"message": "Fijne feesten!", "logo": (_png(), "logo.png")})
    db.session.expire_all()
    gift = services.get_draft(gift_shop["company"])
    assert saved.status_code == 303
    assert gift.common_message == "Fijne feesten!" and gift.logo_key.startswith("logos/")


@pytest.mark.parametrize("meanwhile, message", [
    ("day", "is de levering volzet. Kies een andere dag."),
    ("stock", "Niet genoeg voorraad: de lijst vraagt 2 × Pralines, er zijn er 1."),
], ids=["the day fills", "the product runs out"])
def test_what_changes_between_the_checked_list_and_ordering_is_shown_at_its_rows_and_nothing_is_ordered(
        client, gift_shop, meanwhile, message):
    day = delivery_days()[0]
    log_in_as(client, gift_shop["company"])
    wanted = day.strftime("%d/%m/%Y")
    _upload(client, _csv(f"An;;Veldstraat 1;9000;Gent;België;;pralines;1;{wanted}",
                         f"Bo;;Kouter 1;9000;Gent;België;;pralines;1;{wanted}"))
    assert "Bestel en betaal" in _text(client.get("/bedrijfsgeschenken"))
    # Meanwhile staff close the day (or other buyers fill it), or the pralines sell out but one.
    if meanwhile == "day":
        close_slot(SlotKind.DELIVERY, day, None, by=None)
    else:
        db.session.get(Product, gift_shop["pralines"].id).stock = 1
    db.session.commit()

    response = client.post("/bedrijfsgeschenken/bestellen", data={"how": "pay"})
    page = _text(client.get("/bedrijfsgeschenken"))

    assert (response.status_code, response.headers["Location"]) == (303, "/bedrijfsgeschenken")
    assert "2 rijen van de lijst moeten nog verbeterd worden. Er is niets besteld." in page
    assert page.count(message) >= 2  # at both rows (and in the summary above the table)
    if meanwhile == "day":
        assert f"Op {format_date(day, 'EEEE d MMMM yyyy')} is de levering volzet" in page
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert services.get_draft(gift_shop["company"]).status == "draft"
