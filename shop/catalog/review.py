"""Staff review of new products: approve (publish) or reject with a reason, and tell the producer by e-mail.

Rules:
- Only a product still ``pending_review`` can be approved or rejected. The status is changed with a
  conditional UPDATE (``... WHERE status = 'pending_review'``), so when two staff members act on the same
  product at once only the first one changes it; the second gets ``AlreadyReviewed``.
- Approving publishes through ``catalog.services.publish_product``: a food product whose mandatory food
  information is missing is refused (``MissingFoodInformation``) and stays pending.
- Rejecting needs a reason of 5 to 1000 characters; the product goes back to ``draft`` with the reason in
  ``review_note``, which the portal shows the producer until it is submitted again.
- Both mail the producer (its portal users, else its own address, as ``orders.producer_lists.recipients_for``,
  plus the producer's own address) through the outbox, and are recorded in the audit log.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from shop.catalog.facet_index import CHANGED_PRODUCTS
from shop.catalog.models import Producer, Product, ProductStatus
from shop.catalog.services import publish_product
from shop.core.audit import record_action
from shop.core.errors import DomainError
from shop.extensions import db
from shop.outbox.services import enqueue

REASON_MIN = 5
REASON_MAX = 1000


class AlreadyReviewed(DomainError):
    """The product no longer waits for review (another staff member acted, or the producer changed it)."""


class ReasonRequired(DomainError):
    """A rejection needs a reason of REASON_MIN..REASON_MAX characters."""


# --- reads ----------------------------------------------------------------------------------------------------


def _page_options():
    return (
        joinedload(Product.producer).options(joinedload(Producer.municipality), joinedload(Producer.locality)),
        joinedload(Product.category),
        joinedload(Product.vat_category),
        selectinload(Product.allergens),
        selectinload(Product.images),
        selectinload(Product.labels),
    )


def list_review_queue() -> list[Product]:
    """Products waiting for review, the longest waiting first, with what the queue shows loaded."""
    return list(db.session.scalars(
        select(Product).where(Product.status == ProductStatus.PENDING_REVIEW)
        .options(*_page_options()).order_by(Product.created_at, Product.id)
    ).unique())


def get_product_for_review(product_id: int) -> Product | None:
    """A product (in any status) with everything its review page shows, or None."""
    return db.session.scalars(
        select(Product).where(Product.id == product_id).options(*_page_options())
    ).unique().first()


# --- changes --------------------------------------------------------------------------------------------------


def _claim(product: Product, **values) -> None:
    """Change the product only while it still waits for review; raises AlreadyReviewed otherwise."""
    changed = db.session.execute(
        update(Product)
        .where(Product.id == product.id, Product.status == ProductStatus.PENDING_REVIEW)
        .values(**values)
        # Named for the facet index: it reads this product again instead of being built again.
        .execution_options(synchronize_session=False, **{CHANGED_PRODUCTS: (product.id,)})
    ).rowcount
    db.session.refresh(product, ["status", "review_note"])
    if changed != 1:
        raise AlreadyReviewed(
            _l("%(name)s wacht niet meer op controle: een collega heeft het al beoordeeld of de producent heeft "
               "het intussen aangepast."), name=product.name)


def approve_product(product: Product, *, by) -> None:
    """Publish a product that waits for review and tell the producer.

    Raises AlreadyReviewed when it no longer waits for review, MissingFoodInformation when mandatory food
    information is missing (the caller rolls back: it stays pending). Never commits.
    """
    _claim(product, status=ProductStatus.PUBLISHED, review_note="")
    publish_product(product, by=by)  # the rule on food information; raises before anything is kept
    notify_producer(product, "product_approved")
    record_action("product.approve", by=by, subject_type="product", subject_id=product.id, detail=product.name)


def check_reason(reason: str | None) -> str:
    """The stripped rejection reason; raises ReasonRequired unless it has REASON_MIN..REASON_MAX characters."""
    text = (reason or "").strip()
    if len(text) < REASON_MIN:
        raise ReasonRequired(_l("Geef de reden van de afwijzing (minstens %(min)s tekens): de producent krijgt "
                                "ze te lezen."), min=REASON_MIN)
    if len(text) > REASON_MAX:
        raise ReasonRequired(_l("De reden mag hoogstens %(max)s tekens lang zijn."), max=REASON_MAX)
    return text


def reject_product(product: Product, reason: str, *, by) -> None:
    """Send a product that waits for review back to the producer as a draft, with the reason, by e-mail too.

    Raises ReasonRequired for a missing, too short or too long reason, AlreadyReviewed when it no longer waits
    for review. Never commits.
    """
    text = check_reason(reason)
    _claim(product, status=ProductStatus.DRAFT, review_note=text)
    notify_producer(product, "product_rejected", reason=text)
    record_action("product.reject", by=by, subject_type="product", subject_id=product.id, detail=text)


# --- mail -----------------------------------------------------------------------------------------------------


def review_recipients(producer: Producer) -> list[tuple[str, str]]:
    """(address, locale) of the producer's active portal users (else its own address), plus its own address."""
    from shop.catalog.producer_queries import recipients_for

    recipients = list(recipients_for(producer))
    known = {address.lower() for address, _locale in recipients}
    if producer.email and producer.email.lower() not in known:
        recipients.append((producer.email, "nl"))
    return recipients


def notify_producer(product: Product, name: str, **context) -> int:
    """Queue ``emails/<name>`` about the product to every review recipient; returns how many were queued."""
    from shop.core.links import absolute_url_for
    from shop.core.settings import get_settings

    settings = get_settings()
    producer = product.producer
    portal_link = absolute_url_for("portal.product_edit", product_id=product.id)
    shop_link = absolute_url_for("storefront.product_detail", slug=product.slug)
    queued = 0
    for address, locale in review_recipients(producer):
        with force_locale(locale or "nl"):
            if name == "product_approved":
                subject = _("%(name)s staat in de winkel", name=product.name)
            else:
                subject = _("%(name)s is niet goedgekeurd", name=product.name)
            values = dict(subject=subject, product=product, producer=producer, settings=settings,
                          user={"name": producer.name},  # the greeting of emails/account_layout.html
                          locale=locale or "nl", portal_link=portal_link, shop_link=shop_link, **context)
            text = render_template(f"emails/{name}.txt", **values)
            html = render_template(f"emails/{name}.html", **values)
        enqueue(kind=name, to=address, subject=subject, text=text, html=html, reply_to=settings.seller_email)
        queued += 1
    return queued
