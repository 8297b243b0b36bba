"""A production database: migrated and given its reference data by `flask reference-data`, never demo-seeded."""

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from shop import create_app
from shop.catalog.models import Locality, Producer, Product
from shop.catalog.vat import VatRate
from shop.checkout.delivery import DeliveryError, is_province_postcode, plan_shipment, zone_for_postcode
from shop.extensions import db as _db
from shop.orders.models import DeliveryMethod
from shop.packages.models import Package


@pytest.fixture
def production_app(tmp_path):
    """An app on a fresh SQLite file whose schema comes from the Alembic migrations (`flask db upgrade`)."""
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'production.db'}"})
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    yield app
    with app.app_context():
        _db.engine.dispose()


def test_a_migrated_database_given_reference_data_delivers_perishables_to_gent(production_app):
    # Given a migrated database without reference data: no postcode is in the province
    with production_app.app_context():
        assert not is_province_postcode("9000")
        _db.session.remove()

    # When the reference-data command runs (and once more: it is idempotent)
    runner = production_app.test_cli_runner()
    first = runner.invoke(args=["reference-data"])
    second = runner.invoke(args=["reference-data"])

    assert first.exit_code == 0, first.output
    assert "localities: 311 added, 0 updated, 0 unchanged" in first.output
    assert "reference data loaded" in first.output
    assert second.exit_code == 0, second.output
    assert "localities: 0 added, 0 updated, 311 unchanged" in second.output
    assert "reference data already up to date" in second.output

    # Then 9000 Gent (and 2070 Zwijndrecht) are Oost-Vlaanderen, 2000 Antwerpen is not
    with production_app.app_context():
        assert is_province_postcode("9000")
        assert is_province_postcode("2070")
        assert not is_province_postcode("2000")
        assert zone_for_postcode("9000").perishables_allowed

        plan = plan_shipment(DeliveryMethod.DELIVERY, goods_cents=2500, has_perishables=True, postcode="9000")
        assert plan.zone == "oost-vlaanderen"
        with pytest.raises(DeliveryError) as refused:
            plan_shipment(DeliveryMethod.DELIVERY, goods_cents=2500, has_perishables=True, postcode="2000")
        assert refused.value.field == "postcode"

        # and it holds reference data only: no demo producers, products or packages
        assert _db.session.scalar(select(func.count()).select_from(Locality)) == 311
        assert _db.session.scalar(select(func.count()).select_from(VatRate)) == 4
        for model in (Producer, Product, Package):
            assert _db.session.scalar(select(func.count()).select_from(model)) == 0
        _db.session.remove()
