"""Old Stripe events: removed by the scheduler's cleaning job (shop.operations)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from shop.extensions import db
from shop.payments.models import StripeEvent

# An event id is kept to refuse a second delivery of the same event; Stripe retries one for up to three days,
# so three months is ample.
EVENT_KEPT = timedelta(days=90)


def delete_old_events(now: datetime) -> int:
    """Forget Stripe events received more than 90 days ago. Returns how many. Never commits."""
    result = db.session.execute(delete(StripeEvent).where(StripeEvent.received_at < now - EVENT_KEPT)
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0
