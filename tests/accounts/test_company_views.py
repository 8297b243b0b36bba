"""The company profile page under the account (/account/bedrijf): add, change, remove; bad input is shown at its
field with the error summary and nothing is saved."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, insert, select

from shop.accounts.models import CompanyProfile
from tests.factories import log_in_as, make_company_customer, make_producer, make_user

FORM = {"legal_name": "Brouwerij Het Anker Gent bv", "vat_number": "BE 0123.456.749", "street": "Korenmarkt 1",
        "postcode": "9000", "city": "Gent", "invoice_email": "", "peppol_id": ""}


def _html(response) -> str:
    return response.get_data(as_text=True)


def _profiles(db) -> int:
    return db.session.scalar(select(func.count()).select_from(CompanyProfile))


def _logged_in(client, db, user=None):
    user = user or make_user()
    db.session.commit()
    log_in_as(client, user)
    return user


def test_the_page_needs_a_log_in(client, db):
    response = client.get("/account/bedrijf")
    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


def test_the_account_page_links_to_it(client, db):
    _logged_in(client, db)
    html = _html(client.get("/account"))
    assert '<a href="/account/bedrijf">Bedrijfsgegevens toevoegen</a>' in html


def test_a_company_customers_account_page_leads_to_the_company_gifts(client, db):
    _logged_in(client, db)
    assert "/bedrijfsgeschenken" not in _html(client.get("/account"))
    client.post("/account/bedrijf", data=FORM)
    html = _html(client.get("/account"))
    assert '<a href="/bedrijfsgeschenken">Bedrijfsgeschenken bestellen</a>' in html


def test_adding_a_profile(client, db):
    user = _logged_in(client, db)
    response = client.post("/account/bedrijf", data={**FORM, "prices_excl_vat": "y"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account")
    profile = db.session.scalars(select(CompanyProfile)).one()
    assert (profile.user_id, profile.vat_number, profile.postcode, profile.peppol_id, profile.prices_excl_vat) == (
        user.id, "BE0123456749", "9000", "", True)
    html = _html(client.get("/account"))
    assert "Je bedrijfsgegevens zijn bewaard." in html
    assert "<dd>Brouwerij Het Anker Gent bv</dd>" in html
    assert "<dd>BE 0123.456.749</dd>" in html
    assert "<dd>exclusief btw</dd>" in html
    assert '<a href="/account/bedrijf">Bedrijfsgegevens wijzigen</a>' in html


def test_a_double_submitted_first_profile_is_saved_once_with_the_details_sent(client, db, monkeypatch):
    # Both submits read that the account had no profile yet; the second to store one ran into the first one's: a
    # server error.
    from shop.accounts import company

    user = _logged_in(client, db)
    check = company.check_company_details
    calls = []

    def checked_then_the_other_submit_saves(details):
        checked = check(details)
        calls.append(1)
        if len(calls) == 1:  # the other submit stores its profile now
            db.session.execute(insert(CompanyProfile.__table__).values(
                user_id=user.id, legal_name="Eerste klik bv", vat_number="BE0123456749"))
        return checked

    monkeypatch.setattr(company, "check_company_details", checked_then_the_other_submit_saves)

    response = client.post("/account/bedrijf", data={**FORM, "prices_excl_vat": "y"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account")
    db.session.expire_all()
    profile = db.session.scalars(select(CompanyProfile)).one()
    assert (profile.user_id, profile.legal_name, profile.postcode, profile.prices_excl_vat) == (
        user.id, "Brouwerij Het Anker Gent bv", "9000", True)


def test_the_saved_profile_is_shown_with_the_derived_enterprise_number_and_peppol_default(client, db):
    _logged_in(client, db, make_company_customer())
    html = _html(client.get("/account/bedrijf"))
    assert 'value="Brouwerij Het Anker Gent bv"' in html
    assert '<input checked id="prices_excl_vat" name="prices_excl_vat" type="checkbox" value="y">' in html
    assert "Ondernemingsnummer: 0123.456.749 (dezelfde cijfers als het btw-nummer)." in html
    assert "Laat leeg om 0208:0123456749 te gebruiken: 0208 en het ondernemingsnummer." in html
    assert "Verwijder de bedrijfsgegevens" in html
    assert "geen herroepingsrecht" in html


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"vat_number": "BE 0123.456.748"}, "vat_number",
     "Dit btw-nummer klopt niet: de laatste twee cijfers zijn een controlegetal. Kijk het nummer na."),
    ({"peppol_id": "0208:0207725104"}, "peppol_id",
     "Het Peppol-adres 0208:… moet het ondernemingsnummer van het bedrijf dragen: 0208:0123456749. "
     "Laat het veld leeg om dat te gebruiken."),
    ({"street": ""}, "street", "Geef de straat en het huisnummer van het facturatieadres."),
    ({"postcode": ""}, "postcode", "Geef een Belgische postcode, zoals 9000."),
    ({"city": ""}, "city", "Geef de gemeente van het facturatieadres."),
    ({"legal_name": "Anker\tbv"}, "legal_name", "Gebruik in dit veld alleen gewone tekens, zonder tabs of regeleinden."),
    ({"legal_name": "x" * 161}, "legal_name", "Geef een bedrijfsnaam van hoogstens 160 tekens."),
    ({"invoice_email": "boekhouding"}, "invoice_email", "Geef een geldig e-mailadres, zoals naam@voorbeeld.be."),
    ({"postcode": "2600"}, "city",
     "“Gent” hoort niet bij postcode 2600: 2600 hoort bij Antwerpen. Kijk de postcode na, of schrijf de gemeente."),
    ({"postcode": "9999"}, "postcode", "Postcode 9999 bestaat niet in België. Kijk de postcode na."),
])
def test_bad_input_is_shown_at_its_field_and_nothing_is_saved(client, db, changes, field, message):
    _logged_in(client, db)
    response = client.post("/account/bedrijf", data={**FORM, **changes})
    html = _html(response)
    assert response.status_code == 422
    assert re.search(r"<title>Fout: Bedrijfsgegevens", html)
    assert f'<li><a href="#{field}">{message}</a></li>' in html
    assert f'<p class="field__error" id="{field}-error"><span class="visually-hidden">Fout: </span>{message}</p>' in html
    assert 'aria-invalid="true"' in html
    assert 'value="Korenmarkt 1"' in html or field == "street"  # what was typed stays
    assert _profiles(db) == 0


def test_a_bad_change_keeps_the_saved_profile(client, db):
    user = _logged_in(client, db, make_company_customer())
    response = client.post("/account/bedrijf", data={**FORM, "legal_name": "Nieuw bv", "vat_number": "BE0123456748"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(CompanyProfile, user.company_profile.id).legal_name == "Brouwerij Het Anker Gent bv"


def test_changing_and_removing(client, db):
    user = _logged_in(client, db, make_company_customer())
    client.post("/account/bedrijf", data={**FORM, "legal_name": "Het Anker nv", "peppol_id": "9925:BE0123456749"})
    profile = db.session.scalars(select(CompanyProfile)).one()
    assert (profile.legal_name, profile.peppol_id, profile.prices_excl_vat) == ("Het Anker nv", "9925:BE0123456749", False)

    response = client.post("/account/bedrijf/verwijderen")
    assert response.status_code == 303
    assert _profiles(db) == 0
    assert "Je bedrijfsgegevens zijn verwijderd." in _html(client.get("/account"))
    assert user.id  # the account itself stays


def test_a_producer_has_no_company_profile_page(client, db):
    _logged_in(client, db, make_user(role="producer", producer=make_producer()))
    assert client.get("/account/bedrijf").status_code == 404
    assert client.post("/account/bedrijf", data=FORM).status_code == 404


def test_the_downloaded_data_hold_the_company_profile(client, db):
    _logged_in(client, db, make_company_customer())
    data = json.loads(client.get("/account/gegevens.json").get_data(as_text=True))
    assert data["company_profile"]["vat_number"] == "BE0123456749"
    assert data["company_profile"]["peppol_id"] == "0208:0123456749"
