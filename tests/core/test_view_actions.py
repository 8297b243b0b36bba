from flask import get_flashed_messages
from sqlalchemy import select

from shop.catalog.models import Label
from shop.core.errors import DomainError
from shop.core.view_actions import run_and_flash
from tests.factories import make_label


def _rename(label, *, by):
    label.name = f"Bio van {by}"


def _rename_then_refuse(label, *, by):
    label.name = "half gedaan"
    raise DomainError("Dat mag niet.")


def test_an_action_that_goes_through_is_committed_and_flashed(app, db):
    label = make_label()
    db.session.commit()
    with app.test_request_context():
        done = run_and_flash(_rename, label, by="An", success=lambda subject: f"{subject.name} bewaard.")
        messages = get_flashed_messages(with_categories=True)
    db.session.expire_all()
    assert done is True
    assert messages == [("success", "Bio van An bewaard.")]
    assert db.session.scalar(select(Label.name)) == "Bio van An"


def test_a_broken_rule_is_rolled_back_and_flashed_as_an_error(app, db):
    label = make_label()
    db.session.commit()
    with app.test_request_context():
        done = run_and_flash(_rename_then_refuse, label, by="An", success=lambda subject: "nooit")
        messages = get_flashed_messages(with_categories=True)
    db.session.expire_all()
    assert done is False
    assert messages == [("error", "Dat mag niet.")]
    assert db.session.scalar(select(Label.name)) == "Bio"
