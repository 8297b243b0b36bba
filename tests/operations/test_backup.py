"""A backup taken while the shop runs can be put back: every table's rows come back as they were."""

from __future__ import annotations

from sqlalchemy import func, select, text

from shop.catalog.models import Product
from shop.extensions import db as _db
from tests.factories import make_paid_order, make_product


def _snapshot() -> dict[str, list]:
    """Every table's rows, sorted, as plain tuples."""
    rows = {}
    for table in _db.metadata.sorted_tables:
        rows[table.name] = sorted((tuple(str(value) for value in row) for row in _db.session.execute(select(table))))
    return rows


def test_backup_then_restore_gives_back_every_row(app, db, tmp_path):
    cheese = make_product("Oude Brugge", price_cents=1250, stock=10)
    make_paid_order((cheese, 2))
    db.session.commit()
    cheese_id = cheese.id
    before = _snapshot()
    runner = app.test_cli_runner()

    backup = runner.invoke(args=["backup", str(tmp_path / "shop.backup")])
    assert backup.exit_code == 0, backup.output
    assert "backup written" in backup.output

    # Life goes on after the backup: a sale, a new product.
    make_paid_order((_db.session.get(Product, cheese_id), 1))
    make_product("Nieuwe kaas")
    db.session.commit()
    assert _snapshot() != before

    restore = runner.invoke(args=["restore", str(tmp_path / "shop.backup"), "--yes"])
    assert restore.exit_code == 0, restore.output

    _db.session.remove()
    assert _snapshot() == before
    assert _db.session.scalar(select(Product.stock).where(Product.id == cheese_id)) == 8
    assert _db.session.scalar(select(func.count()).select_from(Product)) == 1


def test_restore_asks_before_replacing_everything(app, db, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["backup", str(tmp_path / "b")])

    result = runner.invoke(args=["restore", str(tmp_path / "b")], input="n\n")

    assert result.exit_code != 0
    assert "Aborted" in result.output


def test_a_backup_of_an_unknown_file_is_refused_clearly(app, db, tmp_path):
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "missing"), "--yes"])

    assert result.exit_code != 0
    assert _db.session.execute(text("SELECT 1")).scalar() == 1  # the database is untouched and answers
