"""Gap-free named counters (order and invoice numbers) and the public order number LOV-<year>-<six digits>.

The counter row is incremented with ``UPDATE … RETURNING`` (a row lock on PostgreSQL, the write lock on
SQLite), in the caller's transaction, so concurrent orders never share a number and a rolled-back order
gives its number back. The row is created on first use; two first uses at once are settled by the primary
key (the loser retries the UPDATE inside a savepoint).

The row lock is held until the caller's transaction ends, and every other issuer of that series waits for it:
take the number last, with nothing slow after it (no PDF, no mail, no e-invoice validation; those run after
the commit, see shop.core.db.after_commit). ``holds_counter()`` tells whether the current transaction holds one.
"""

from __future__ import annotations

from sqlalchemy import String, event, text
from sqlalchemy.orm import Mapped, SessionTransaction, mapped_column
from sqlalchemy.orm import Session as OrmSession

from shop.core.db import Base, add_unless_taken, db


class Counter(Base):
    """Named counters for order and invoice numbers (``invoice-2026``); incremented under a row lock."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


_INCREMENT = text("UPDATE counters SET value = value + 1 WHERE name = :n RETURNING value")


_HELD = "shop.counters_held"


def holds_counter() -> set[str]:
    """The counters whose row the current transaction of ``db.session`` has incremented (and so holds locked
    until it ends); empty when none."""
    return set(db.session.info.get(_HELD, ()))


@event.listens_for(OrmSession, "after_transaction_end")
def _release(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (commit or rollback): its locks are gone
        session.info.pop(_HELD, None)


def next_value(name: str) -> int:
    """The next value of the named counter (1 for a new counter)."""
    db.session.info.setdefault(_HELD, set()).add(name)
    value = db.session.execute(_INCREMENT, {"n": name}).scalar()
    if value is not None:
        return value
    if add_unless_taken(Counter(name=name, value=1)):
        return 1
    # Someone else created the row meanwhile: their row is committed now, take the next value.
    return db.session.execute(_INCREMENT, {"n": name}).scalar_one()


def format_order_number(year: int, sequence: int) -> str:
    return f"LOV-{year}-{sequence:06d}"


def next_order_number(year: int) -> str:
    """The next public order number of ``year``, e.g. ``LOV-2026-000123``."""
    return format_order_number(year, next_value(f"order-{year}"))
