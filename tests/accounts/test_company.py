"""Company profiles: the one check of a company's invoice details, saving and removing a profile, the export and
the account's deletion."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.accounts.company import (
    CompanyDetails,
    InvalidCompanyDetails,
    check_company_details,
    remove_company_profile,
    save_company_profile,
    shows_prices_excl_vat,
)
from shop.accounts.export import export_personal_data
from shop.accounts.models import CompanyProfile
from shop.accounts.services import NotAllowed, delete_account
from tests.factories import DEFAULT_PASSWORD, make_company_customer, make_staff, make_user

GOOD = CompanyDetails(legal_name="Brouwerij Het Anker Gent bv", vat_number="be 0123.456.749", street="Korenmarkt 1",
                      postcode=" 9000 ", city="Gent")


def _details(**changes) -> CompanyDetails:
    return CompanyDetails(**{**GOOD.__dict__, **changes})


def _profiles(db) -> int:
    return db.session.scalar(select(func.count()).select_from(CompanyProfile))


def test_details_are_normalised(db):  # db: the postcode and city are checked against the reference data
    checked = check_company_details(_details(peppol_id="9925:be0123456749", invoice_email=" boekhouding@anker.be "))
    assert (checked.vat_number, checked.postcode, checked.peppol_id, checked.invoice_email) == (
        "BE0123456749", "9000", "9925:BE0123456749", "boekhouding@anker.be")
    assert checked.participant_id == "9925:BE0123456749"


@pytest.mark.parametrize("typed", ["", "0208:0123456749", "0208:0123.456.749", "iso6523-actorid-upis::0208:0123456749"])
def test_the_default_peppol_id_is_kept_empty_and_means_0208_with_the_enterprise_number(db, typed):
    checked = check_company_details(_details(peppol_id=typed))
    assert checked.peppol_id == ""
    assert checked.participant_id == "0208:0123456749"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"vat_number": "BE 0123.456.748"}, "vat_number",
     "Dit btw-nummer klopt niet: de laatste twee cijfers zijn een controlegetal. Kijk het nummer na."),
    ({"vat_number": ""}, "vat_number", "Geef het btw-nummer van je bedrijf, zoals BE 0123.456.749."),
    ({"peppol_id": "0208:0207725104"}, "peppol_id",
     "Het Peppol-adres 0208:… moet het ondernemingsnummer van het bedrijf dragen: 0208:0123456749. "
     "Laat het veld leeg om dat te gebruiken."),
    ({"peppol_id": "geen id"}, "peppol_id",
     "Geef het Peppol-adres als schema:nummer, zoals 0208:0123456749, of laat het veld leeg."),
    ({"legal_name": "  "}, "legal_name", "Geef de naam van het bedrijf."),
    ({"street": ""}, "street", "Geef de straat en het huisnummer van het facturatieadres."),
    ({"postcode": ""}, "postcode", "Geef een Belgische postcode, zoals 9000."),
    ({"postcode": "B-9000"}, "postcode", "Geef een Belgische postcode, zoals 9000."),
    ({"city": ""}, "city", "Geef de gemeente van het facturatieadres."),
    ({"legal_name": "Anker\x00bv"}, "legal_name", "Gebruik in dit veld alleen gewone tekens, zonder tabs of regeleinden."),
    ({"street": "Korenmarkt\n1"}, "street", "Gebruik in dit veld alleen gewone tekens, zonder tabs of regeleinden."),
    ({"city": "Gent\tCentrum"}, "city", "Gebruik in dit veld alleen gewone tekens, zonder tabs of regeleinden."),
    ({"legal_name": "x" * 161}, "legal_name", "Geef een bedrijfsnaam van hoogstens 160 tekens."),
    ({"street": "x" * 161}, "street", "Geef een straat en huisnummer van hoogstens 160 tekens."),
    ({"city": "x" * 121}, "city", "Geef een gemeente van hoogstens 120 tekens."),
    ({"invoice_email": "boekhouding"}, "invoice_email", "Geef een geldig e-mailadres, zoals naam@voorbeeld.be."),
    ({"invoice_email": "a@" + "b" * 250 + ".be"}, "invoice_email", "Geef een geldig e-mailadres, zoals naam@voorbeeld.be."),
])
def test_each_bad_detail_is_named_with_its_message(db, changes, field, message):
    with pytest.raises(InvalidCompanyDetails) as raised:
        check_company_details(_details(**changes))
    assert {name: str(text) for name, text in raised.value.errors.items()} == {field: message}


def test_every_wrong_field_is_named_at_once(db):
    with pytest.raises(InvalidCompanyDetails) as raised:
        check_company_details(CompanyDetails(legal_name="", vat_number="", street="", postcode="", city=""))
    assert list(raised.value.errors) == ["legal_name", "vat_number", "street", "postcode", "city"]


def test_save_adds_then_changes_the_one_profile(db):
    user = make_user()
    profile = save_company_profile(user, _details(prices_excl_vat=True), by=user)
    assert (profile.user_id, profile.vat_number, profile.enterprise_number, profile.peppol_id) == (
        user.id, "BE0123456749", "0123456749", "")
    assert shows_prices_excl_vat(user) is True

    save_company_profile(user, _details(legal_name="Het Anker nv", prices_excl_vat=False), by=user)
    db.session.commit()
    assert _profiles(db) == 1
    assert user.company_profile.legal_name == "Het Anker nv"
    assert shows_prices_excl_vat(user) is False


def test_bad_details_save_nothing(db):
    user = make_user()
    with pytest.raises(InvalidCompanyDetails):
        save_company_profile(user, _details(vat_number="BE0123456748"), by=user)
    assert _profiles(db) == 0


def test_a_bad_change_keeps_the_saved_profile(db):
    user = make_company_customer()
    db.session.commit()
    with pytest.raises(InvalidCompanyDetails):
        save_company_profile(user, _details(legal_name="Nieuw", street=""), by=user)
    db.session.rollback()
    assert user.company_profile.legal_name == "Brouwerij Het Anker Gent bv"


def test_only_the_account_holder_and_only_a_customer(db):
    user, other = make_user(), make_user()
    with pytest.raises(NotAllowed):
        save_company_profile(user, GOOD, by=other)
    staff = make_staff()
    with pytest.raises(NotAllowed):
        save_company_profile(staff, GOOD, by=staff)
    assert _profiles(db) == 0


def test_remove_deletes_the_profile(db):
    user = make_company_customer()
    assert remove_company_profile(user, by=user) is True
    db.session.commit()
    assert _profiles(db) == 0
    assert shows_prices_excl_vat(user) is False
    assert remove_company_profile(user, by=user) is False


def test_guests_consumers_and_a_profile_without_the_choice_see_prices_incl_vat(db):
    assert shows_prices_excl_vat(None) is False
    assert shows_prices_excl_vat(make_user()) is False
    assert shows_prices_excl_vat(make_company_customer(prices_excl_vat=False)) is False
    assert shows_prices_excl_vat(make_company_customer()) is True


def test_the_export_holds_the_company_profile(db):
    user = make_company_customer(invoice_email="boekhouding@anker.be")
    assert export_personal_data(user)["company_profile"] == {
        "legal_name": "Brouwerij Het Anker Gent bv", "vat_number": "BE0123456749", "enterprise_number": "0123456749",
        "street": "Korenmarkt 1", "postcode": "9000", "city": "Gent", "invoice_email": "boekhouding@anker.be",
        "peppol_id": "0208:0123456749", "prices_excl_vat": True,
    }
    assert export_personal_data(make_user())["company_profile"] is None


def test_deleting_the_account_deletes_the_company_profile(db):
    user = make_company_customer()
    db.session.commit()
    delete_account(user, DEFAULT_PASSWORD, by=user)
    db.session.commit()
    assert _profiles(db) == 0


@pytest.mark.parametrize(("postcode", "city"), [("1000", "Bruxelles"), ("2000", "Antwerpen"), ("3001", "Heverlee")])
def test_an_invoice_address_anywhere_in_belgium_is_accepted(db, postcode, city):
    checked = check_company_details(_details(postcode=postcode, city=city))

    assert (checked.postcode, checked.city) == (postcode, city)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"postcode": "2600", "city": "Gent"}, "city",
     "“Gent” hoort niet bij postcode 2600: 2600 hoort bij Antwerpen. Kijk de postcode na, of schrijf de gemeente."),
    ({"postcode": "1001", "city": "Brussel"}, "postcode", "Postcode 1001 bestaat niet in België. Kijk de postcode na."),
])
def test_an_invoice_address_whose_postcode_and_city_do_not_match_is_refused(db, changes, field, message):
    with pytest.raises(InvalidCompanyDetails) as raised:
        check_company_details(_details(**changes))

    assert {name: str(text) for name, text in raised.value.errors.items()} == {field: message}
