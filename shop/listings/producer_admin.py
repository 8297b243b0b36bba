"""Producers as the shop's admins manage them: create, edit, deactivate, activate, invite their users.

The profile rules (postcode of an Oost-Vlaanderen locality -> municipality, locality and coordinates; story,
website, e-mail and phone checks) are those of ``shop.catalog.producer_profile``; this module adds what only
an admin sets: the name (and a unique slug made from it once, so links keep working), the labels, and
whether the producer is active.

Deactivating a producer takes its products out of the shop without touching them: every shop query, the
product page, package availability, the cart and checkout require ``Producer.active`` (``Product.is_for_sale``).
Orders already placed keep their lines (they are snapshots) and are fulfilled as usual. The producer's users
keep their accounts and can still log in to the portal (they still deliver open orders and read statements).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from shop.catalog.models import Label, Locality, Municipality, Producer, Product, ProductStatus
from shop.catalog.producer_profile import (
    ProfileData,
    ProfileError,
    refresh_product_search_texts,
    update_producer_profile,
)
from shop.catalog.search import fold
from shop.core.audit import record_action
from shop.core.email_address import EMAIL
from shop.core.errors import DomainError
from shop.extensions import db

NAME_MAX = 160
SLUG_MAX = 110  # leaves room for "-<n>" within the column's 120 characters
PER_PAGE = 25


class ProducerStateError(DomainError):
    """The producer is already in the state asked for (a replayed form, or another admin was first)."""


@dataclass
class ProducerData:
    """What an admin sets on a producer, as typed (stripped by the form)."""

    name: str
    street: str
    postcode: str
    place: str = ""
    story: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""
    label_ids: list[int] = field(default_factory=list)


# --- reads ----------------------------------------------------------------------------------------------------


@dataclass
class ProducerRow:
    producer: Producer
    products: int  # every product that is not archived
    published: int
    pending: int
    users: int


@dataclass
class ProducerPage:
    rows: list[ProducerRow]
    total: int
    page: int
    pages: int


def list_producers(q: str = "", active: bool | None = None, page: int = 1, per_page: int = PER_PAGE) -> ProducerPage:
    """Producers by name, filtered by a text in their name, municipality or locality and by active state,
    with their product and user counts. Four queries, whatever the page size."""
    from shop.accounts.models import Role, User

    query = select(Producer).join(Municipality, Municipality.id == Producer.municipality_id).outerjoin(
        Locality, Locality.id == Producer.locality_id)
    text = (q or "").strip().lower()
    if text:
        query = query.where(or_(
            func.lower(Producer.name).contains(text, autoescape=True),
            func.lower(Municipality.name).contains(text, autoescape=True),
            func.lower(Locality.name).contains(text, autoescape=True),
            Producer.postcode == text,
        ))
    if active is not None:
        query = query.where(Producer.active.is_(active))
    total = db.session.scalar(select(func.count()).select_from(query.with_only_columns(Producer.id).subquery()))
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    producers = db.session.scalars(
        query.options(joinedload(Producer.municipality), joinedload(Producer.locality))
        .order_by(Producer.name, Producer.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    ids = [producer.id for producer in producers]
    product_counts = {
        row.producer_id: row
        for row in db.session.execute(
            select(
                Product.producer_id,
                func.count(Product.id).label("products"),
                func.sum(case((Product.status == ProductStatus.PUBLISHED, 1), else_=0)).label("published"),
                func.sum(case((Product.status == ProductStatus.PENDING_REVIEW, 1), else_=0)).label("pending"),
            )
            .where(Product.producer_id.in_(ids), Product.status != ProductStatus.ARCHIVED)
            .group_by(Product.producer_id)
        )
    } if ids else {}
    user_counts = dict(db.session.execute(
        select(User.producer_id, func.count(User.id))
        .where(User.producer_id.in_(ids), User.role == Role.PRODUCER)
        .group_by(User.producer_id)
    ).all()) if ids else {}
    rows = []
    for producer in producers:
        counts = product_counts.get(producer.id)
        rows.append(ProducerRow(
            producer=producer,
            products=int(counts.products) if counts else 0,
            published=int(counts.published or 0) if counts else 0,
            pending=int(counts.pending or 0) if counts else 0,
            users=int(user_counts.get(producer.id, 0)),
        ))
    return ProducerPage(rows=rows, total=total, page=page, pages=pages)


def get_producer_for_admin(producer_id: int) -> Producer | None:
    """A producer with what its edit page shows (place, labels), or None."""
    return db.session.scalar(
        select(Producer).where(Producer.id == producer_id)
        .options(joinedload(Producer.municipality), joinedload(Producer.locality), selectinload(Producer.labels))
    )


def list_producer_users(producer: Producer) -> list:
    """The producer's portal users: active ones first, then by e-mail."""
    from shop.accounts.models import Role, User

    return list(db.session.scalars(
        select(User).where(User.producer_id == producer.id, User.role == Role.PRODUCER)
        .order_by(User.active.desc(), User.email)
    ))


def count_producer_products(producer: Producer) -> dict[str, int]:
    """Products of the producer per status (archived ones included)."""
    counts = dict(db.session.execute(
        select(Product.status, func.count(Product.id)).where(Product.producer_id == producer.id)
        .group_by(Product.status)
    ).all())
    return {ProductStatus(status).value: int(count) for status, count in counts.items()}


def list_labels() -> list[Label]:
    return list(db.session.scalars(select(Label).order_by(Label.name)))


def list_packages_using(producer: Producer) -> list:
    """Active packages with a component of this producer (they become unavailable while it is inactive)."""
    from shop.packages.models import Package, PackageComponent

    return list(db.session.scalars(
        select(Package).where(
            Package.active.is_(True),
            Package.id.in_(
                select(PackageComponent.package_id)
                .join(Product, Product.id == PackageComponent.product_id)
                .where(Product.producer_id == producer.id)
            ),
        ).order_by(Package.name)
    ))


# --- changes --------------------------------------------------------------------------------------------------


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ProfileError("name", _l("Vul de naam van de producent in."))
    if len(name) > NAME_MAX:
        raise ProfileError("name", _l("De naam mag hoogstens %(max)s tekens lang zijn."), max=NAME_MAX)
    return name


def _labels(label_ids: list[int]) -> list[Label]:
    wanted = {int(label_id) for label_id in label_ids}
    labels = list(db.session.scalars(select(Label).where(Label.id.in_(wanted)).order_by(Label.name))) if wanted else []
    if len(labels) != len(wanted):
        raise ProfileError("labels", _l("Kies alleen labels uit de lijst."))
    return labels


def unique_producer_slug(name: str) -> str:
    """A slug made from the name, with ``-2``, ``-3`` ... when another producer has it."""
    base = fold(name).replace(" ", "-")[:SLUG_MAX].strip("-") or "producent"
    taken = set(db.session.scalars(
        select(Producer.slug).where(or_(Producer.slug == base, Producer.slug.like(f"{base}-%")))
    ))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _profile(data: ProducerData, producer: Producer | None) -> ProfileData:
    """The profile part of the data; the story's French and English texts (not on the admin form) are kept."""
    translations = (producer.translations or {}) if producer is not None else {}
    return ProfileData(
        story=data.story, story_fr=translations.get("fr", {}).get("story", ""),
        story_en=translations.get("en", {}).get("story", ""), street=data.street, postcode=data.postcode,
        place=data.place, website=data.website, phone=data.phone, email=data.email,
        farm_shop_hours=producer.farm_shop_hours if producer is not None else "", photo=None,
    )


def create_producer(data: ProducerData, *, by) -> Producer:
    """Create an active producer with a unique slug made from its name.

    Raises ProfileError (with the form field) for a missing or too long name, a postcode outside
    Oost-Vlaanderen, an unknown place, a bad e-mail, phone or website, or an unknown label. Never commits.
    """
    name = _check_name(data.name)
    labels = _labels(data.label_ids)
    # Not in the session yet: the profile rules query localities and must not flush a half-made row.
    producer = Producer(name=name, slug="", active=True, translations={}, farm_shop_hours="")
    update_producer_profile(producer, _profile(data, None), by=by)
    producer.slug = unique_producer_slug(name)
    producer.labels = labels
    db.session.add(producer)
    db.session.flush()
    record_action("producer.create", by=by, subject_type="producer", subject_id=producer.id, detail=producer.name)
    return producer


def update_producer(producer: Producer, data: ProducerData, *, by) -> list[str]:
    """Save an admin's edit of a producer; returns the names of what changed. The slug stays (links keep
    working). Raises ProfileError like ``create_producer``. Never commits."""
    name = _check_name(data.name)
    labels = _labels(data.label_ids)
    changed = update_producer_profile(producer, _profile(data, producer), by=by)
    renamed = producer.name != name
    if renamed:
        producer.name = name
        changed.insert(0, str(_l("naam")))
    if {label.id for label in producer.labels} != {label.id for label in labels}:
        producer.labels = labels
        changed.append(str(_l("labels")))
    db.session.flush()
    if renamed:
        refresh_product_search_texts(producer)
    if changed:
        record_action("producer.update", by=by, subject_type="producer", subject_id=producer.id,
                      detail=", ".join(changed))
    return changed


def _set_active(producer: Producer, active: bool) -> bool:
    """Flip ``active`` only when it is not already so (conditional UPDATE); whether this call changed it."""
    changed = db.session.execute(
        update(Producer).where(Producer.id == producer.id, Producer.active.is_(not active)).values(active=active)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(producer, ["active"])
    return changed == 1


def deactivate_producer(producer: Producer, *, by) -> list:
    """Take the producer and its products out of the shop. Products keep their status (they return when the
    producer is activated again); placed orders are not touched; its users keep their accounts.

    Returns the active packages that use its products (now unavailable). Raises ProducerStateError when the
    producer is already inactive. Never commits.
    """
    if not _set_active(producer, False):
        raise ProducerStateError(_l("%(name)s is al gedeactiveerd."), name=producer.name)
    record_action("producer.deactivate", by=by, subject_type="producer", subject_id=producer.id,
                  detail=producer.name)
    return list_packages_using(producer)


def activate_producer(producer: Producer, *, by) -> None:
    """Put the producer back in the shop with its published products. Raises ProducerStateError when it is
    already active. Never commits."""
    if not _set_active(producer, True):
        raise ProducerStateError(_l("%(name)s is al actief."), name=producer.name)
    record_action("producer.activate", by=by, subject_type="producer", subject_id=producer.id,
                  detail=producer.name)


def invite_user_for_producer(email: str, producer: Producer, *, by):
    """Invite a portal user for the producer (``accounts.services.invite_producer_user``: admins only, recorded
    in the audit log as ``user.invite``).

    Raises ProfileError for an address that does not look like one, ProducerStateError for an inactive
    producer, and what ``invite_producer_user`` raises (NotAllowed, EmailInUse). Never commits.
    """
    from shop.accounts.services import invite_producer_user

    address = (email or "").strip()
    if not EMAIL.match(address) or len(address) > 254:
        raise ProfileError("email", _l("Geef een e-mailadres zoals naam@voorbeeld.be."))
    if not producer.active:
        raise ProducerStateError(_l("Activeer %(name)s eerst: een gedeactiveerde producent krijgt geen nieuwe "
                                    "gebruikers."), name=producer.name)
    return invite_producer_user(address, producer, by=by)
