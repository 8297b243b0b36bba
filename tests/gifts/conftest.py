import pytest

from shop.scheduling.days import delivery_days
from tests.factories import (
    make_company_customer,
    make_locality,
    make_municipality,
    make_package,
    make_product,
    make_vat_category,
)


@pytest.fixture
def gift_shop(db):
    """Gent (9000) in the province; a cheese (perishable), a jenever, a package of both (35,00), a box of pralines."""
    gent = make_municipality("Gent", slug="gent")
    make_locality("9000", "Gent", municipality=gent)
    make_locality("9050", "Gentbrugge", municipality=gent)
    food = make_vat_category("food", 6)
    alcohol = make_vat_category("alcohol", 21)
    kaas = make_product("Hoevekaas", vat=food, price_cents=900, stock=20, perishable=True, slug="hoevekaas")
    jenever = make_product("Oude graanjenever", vat=alcohol, price_cents=2450, stock=20, slug="oude-graanjenever")
    pralines = make_product("Pralines", vat=food, price_cents=1500, stock=50, slug="pralines")
    package = make_package([(kaas, 1), (jenever, 1)], name="Kerstpakket", slug="kerstpakket", price_cents=3500)
    return dict(kaas=kaas, jenever=jenever, pralines=pralines, package=package,
                company=make_company_customer("inkoop@anker.be"))


def row(**values) -> dict[str, str]:
    """A good recipient row (pralines to 9000 Gent), with ``values`` changed."""
    fields = dict(name="An Peeters", company="", street="Veldstraat 1", postcode="9000", city="Gent",
                  country="België", message="Fijne feesten!", item="pralines", quantity="1", desired_date="")
    fields.update(values)
    return fields


@pytest.fixture
def first_day():
    return delivery_days()[0]
