"""Staff changes to gift packages: details, composition, activation and photo.

The back office calls these; each takes the acting user (``by``), never commits, and records the action in
the audit log. A broken rule raises a ``DomainError`` subclass with a Dutch message.

Rules:
- name 3..160 characters; a unique slug is made from it (kept once the package has been in the shop, so
  links keep working; a package that is not active gets a new slug when it is renamed);
- price in euro as people type it ("39,95"), more than 0 and at most 99.999,99;
- composition: each product published, quantity 1..99, a product at most once, an optional substitute
  that is another published product whose unit price is at least the component's; an active package keeps
  at least one component;
- activation is refused, with every reason, while the package has no components, no price, or a component
  that cannot be ordered (not published, producer not active, out of stock, no VAT rate).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from shop.catalog import images
from shop.catalog.models import FOR_SALE, Product, ProductStatus, SaleCondition
from shop.catalog.search import build_search_text, fold
from shop.catalog.vat import VatCategory
from shop.core.audit import record_action
from shop.core.clock import shop_today
from shop.core.errors import DomainError
from shop.core.money import MoneyParseError, parse_cents
from shop.extensions import db
from shop.packages.models import Occasion, Package, PackageComponent

NAME_MIN, NAME_MAX = 3, 160
STORY_MAX = 5000
MAX_PRICE_CENTS = 9_999_999
MAX_QUANTITY = 99
MAX_COMPONENTS = 40
TRANSLATED_LANGUAGES = ("fr", "en")


class PackageError(DomainError):
    """A rule of package editing was broken."""


class PackageDataInvalid(PackageError):
    """One or more fields of the package form are wrong; ``errors`` maps field name to message."""

    def __init__(self, errors: dict[str, object]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


class CompositionInvalid(PackageError):
    pass


class ActivationRefused(PackageError):
    """The package cannot go into the shop; ``reasons`` lists every reason."""

    def __init__(self, reasons: list[str]):
        super().__init__(_l("Dit pakket kan nog niet in de winkel: %(reasons)s"), reasons="; ".join(reasons))
        self.reasons = reasons


@dataclass
class PackageData:
    """What the package form holds. ``price`` is the text as typed ("39,95")."""

    name: str
    price: str
    story: str = ""
    occasion_ids: list[int] = field(default_factory=list)
    featured: bool = False
    translations: dict[str, dict[str, str]] = field(default_factory=dict)  # {"fr": {"name": .., "story": ..}}


@dataclass(frozen=True)
class ComponentLine:
    product_id: int
    quantity: int
    substitute_product_id: int | None = None


# --- details ------------------------------------------------------------------------------------------------


def _clean_translations(raw: dict[str, dict[str, str]], errors: dict[str, object]) -> dict[str, dict[str, str]]:
    cleaned: dict[str, dict[str, str]] = {}
    for language in TRANSLATED_LANGUAGES:
        texts = raw.get(language) or {}
        name = (texts.get("name") or "").strip()
        story = (texts.get("story") or "").strip()
        if len(name) > NAME_MAX:
            errors[f"name_{language}"] = _l("Een naam is hoogstens %(max)s tekens lang.", max=NAME_MAX)
        if len(story) > STORY_MAX:
            errors[f"story_{language}"] = _l("Een verhaal is hoogstens %(max)s tekens lang.", max=STORY_MAX)
        entry = {key: value for key, value in (("name", name), ("story", story)) if value}
        if entry:
            cleaned[language] = entry
    return cleaned


def _checked(data: PackageData) -> tuple[str, str, int, list[Occasion], dict]:
    """Validate every field at once; raises PackageDataInvalid with a message per wrong field."""
    errors: dict[str, object] = {}
    name = " ".join((data.name or "").split())
    if len(name) < NAME_MIN:
        errors["name"] = _l("Geef het pakket een naam van minstens %(min)s tekens.", min=NAME_MIN)
    elif len(name) > NAME_MAX:
        errors["name"] = _l("Een naam is hoogstens %(max)s tekens lang.", max=NAME_MAX)
    story = (data.story or "").strip()
    if len(story) > STORY_MAX:
        errors["story"] = _l("Een verhaal is hoogstens %(max)s tekens lang.", max=STORY_MAX)
    price_cents = 0
    try:
        price_cents = parse_cents(data.price or "")
    except MoneyParseError:
        errors["price"] = _l("Geef de prijs in euro, bijvoorbeeld 39,95.")
    else:
        if price_cents <= 0:
            errors["price"] = _l("De prijs moet meer dan € 0 zijn.")
        elif price_cents > MAX_PRICE_CENTS:
            errors["price"] = _l("De prijs is te hoog (hoogstens € 99.999,99).")
    wanted = list(dict.fromkeys(data.occasion_ids or []))
    occasions = list(db.session.scalars(select(Occasion).where(Occasion.id.in_(wanted)))) if wanted else []
    if len(occasions) != len(wanted):
        errors["occasion_ids"] = _l("Kies alleen gelegenheden uit de lijst.")
    translations = _clean_translations(data.translations or {}, errors)
    if errors:
        raise PackageDataInvalid(errors)
    occasions.sort(key=lambda o: (o.position, o.name))
    return name, story, price_cents, occasions, translations


def slug_for(name: str, *, exclude_id: int | None = None) -> str:
    """A URL slug from the name ("Kerst in 't Meetjesland" -> "kerst-in-t-meetjesland"), made unique."""
    base = "-".join(fold(name).split())[:150].strip("-") or "pakket"
    query = select(Package.slug).where(Package.slug.like(f"{base}%"))
    if exclude_id is not None:
        query = query.where(Package.id != exclude_id)
    taken = set(db.session.scalars(query))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def refresh_package_search_text(package: Package) -> None:
    """Names and stories (every language), occasions and component names, as the seed builds it."""
    texts = [package.name, package.story]
    for language in TRANSLATED_LANGUAGES:
        entry = (package.translations or {}).get(language, {})
        texts += [entry.get("name") or "", entry.get("story") or ""]
    texts += [occasion.name for occasion in package.occasions]
    texts += [component.product.name for component in package.components]
    package.search_text = build_search_text(*texts)


def create_package(data: PackageData, *, by) -> Package:
    """Create an inactive package without components. Raises PackageDataInvalid."""
    name, story, price_cents, occasions, translations = _checked(data)
    package = Package(
        slug=slug_for(name), name=name, story=story, price_cents=price_cents, featured=bool(data.featured),
        active=False, translations=translations,
    )
    package.occasions = occasions
    db.session.add(package)
    db.session.flush()
    refresh_package_search_text(package)
    record_action("package.create", by=by, subject_type="package", subject_id=package.id,
                  detail=f"{package.name} ({package.price_cents} cent)")
    db.session.flush()
    return package


def update_package(package: Package, data: PackageData, *, by) -> None:
    """Change a package's details. Raises PackageDataInvalid."""
    name, story, price_cents, occasions, translations = _checked(data)
    changed = []
    if name != package.name:
        changed.append(f"naam: {package.name} -> {name}")
        if not package.active:
            package.slug = slug_for(name, exclude_id=package.id)
    if price_cents != package.price_cents:
        changed.append(f"prijs: {package.price_cents} -> {price_cents} cent")
    if story != (package.story or ""):
        changed.append("verhaal")
    if bool(data.featured) != bool(package.featured):
        changed.append(f"uitgelicht: {'ja' if data.featured else 'nee'}")
    if [o.id for o in occasions] != [o.id for o in package.occasions]:
        changed.append("gelegenheden")
    if translations != (package.translations or {}):
        changed.append("vertalingen")
    package.name, package.story, package.price_cents = name, story, price_cents
    package.featured = bool(data.featured)
    package.occasions = occasions
    package.translations = translations
    refresh_package_search_text(package)
    record_action("package.update", by=by, subject_type="package", subject_id=package.id,
                  detail="; ".join(changed) or "geen wijziging")
    db.session.flush()


# --- composition --------------------------------------------------------------------------------------------


def _products(ids: set[int]) -> dict[int, Product]:
    if not ids:
        return {}
    return {
        product.id: product
        for product in db.session.scalars(
            select(Product).where(Product.id.in_(ids)).options(joinedload(Product.producer))
        )
    }


def _check_lines(package: Package, lines: list[ComponentLine]) -> dict[int, Product]:
    if package.active and not lines:
        raise CompositionInvalid(
            _l("Een actief pakket heeft minstens één product nodig. Haal het eerst uit de winkel.")
        )
    if len(lines) > MAX_COMPONENTS:
        raise CompositionInvalid(_l("Een pakket heeft hoogstens %(max)s producten.", max=MAX_COMPONENTS))
    products = _products({line.product_id for line in lines}
                         | {line.substitute_product_id for line in lines if line.substitute_product_id})
    seen: set[int] = set()
    for line in lines:
        product = products.get(line.product_id)
        if product is None:
            raise CompositionInvalid(_l("Dat product bestaat niet (meer)."))
        if product.status != ProductStatus.PUBLISHED:
            raise CompositionInvalid(_l("%(name)s staat niet in de winkel en kan niet in een pakket.",
                                        name=product.name))
        if line.product_id in seen:
            raise CompositionInvalid(_l("%(name)s zit al in dit pakket; pas het aantal aan.", name=product.name))
        seen.add(line.product_id)
        if not isinstance(line.quantity, int) or not 1 <= line.quantity <= MAX_QUANTITY:
            raise CompositionInvalid(_l("Het aantal van %(name)s moet tussen 1 en %(max)s liggen.",
                                        name=product.name, max=MAX_QUANTITY))
        if line.substitute_product_id is None:
            continue
        substitute = products.get(line.substitute_product_id)
        if substitute is None:
            raise CompositionInvalid(_l("De vervanger van %(name)s bestaat niet (meer).", name=product.name))
        if substitute.id == product.id:
            raise CompositionInvalid(_l("Een product kan niet zijn eigen vervanger zijn."))
        if substitute.status != ProductStatus.PUBLISHED:
            raise CompositionInvalid(_l("De vervanger %(name)s staat niet in de winkel.", name=substitute.name))
        if substitute.price_cents < product.price_cents:
            raise CompositionInvalid(
                _l("De vervanger %(substitute)s is goedkoper dan %(name)s; kies een product van minstens "
                   "dezelfde prijs.", substitute=substitute.name, name=product.name)
            )
    return products


def set_components(package: Package, lines, *, by) -> None:
    """Replace the composition with ``lines`` ((product_id, quantity, substitute_product_id|None), ...), in order.

    Existing components are updated in place (their ids stay), others added or removed. Raises
    CompositionInvalid when a rule in the module's docstring is broken; nothing changes then.
    """
    lines = [line if isinstance(line, ComponentLine) else ComponentLine(*line) for line in lines]
    products = _check_lines(package, lines)
    existing = {component.product_id: component for component in package.components}
    wanted = {line.product_id for line in lines}
    for component in list(package.components):
        if component.product_id not in wanted:
            package.components.remove(component)
    db.session.flush()  # deletes first: a product removed and added back never meets itself in the unique index
    components = []
    for position, line in enumerate(lines):
        component = existing.get(line.product_id) or PackageComponent(product_id=line.product_id)
        component.product = products[line.product_id]
        component.quantity = line.quantity
        component.position = position
        component.substitute_product_id = line.substitute_product_id
        component.substitute = products.get(line.substitute_product_id) if line.substitute_product_id else None
        components.append(component)
    package.components = components
    refresh_package_search_text(package)
    record_action(
        "package.components", by=by, subject_type="package", subject_id=package.id,
        detail=", ".join(f"{line.quantity} x {products[line.product_id].name}"
                         + (f" (vervanger {products[line.substitute_product_id].name})"
                            if line.substitute_product_id else "")
                         for line in lines) or "leeg",
    )
    db.session.flush()


def _current_lines(package: Package) -> list[ComponentLine]:
    return [ComponentLine(c.product_id, c.quantity, c.substitute_product_id) for c in package.components]


def _check_in_package(package: Package, product_id: int) -> None:
    if all(component.product_id != product_id for component in package.components):
        raise CompositionInvalid(_l("Dat product zit niet (meer) in dit pakket."))


def add_component(package: Package, product_id: int, quantity: int = 1, *, by) -> None:
    """Add a product at the end of the composition. Raises CompositionInvalid."""
    set_components(package, [*_current_lines(package), ComponentLine(product_id, quantity)], by=by)


def update_component(package: Package, product_id: int, quantity: int, substitute_product_id: int | None,
                     *, by) -> None:
    """Change the quantity and substitute of the component of ``product_id``. Raises CompositionInvalid."""
    _check_in_package(package, product_id)
    lines = [
        ComponentLine(line.product_id, quantity, substitute_product_id) if line.product_id == product_id else line
        for line in _current_lines(package)
    ]
    set_components(package, lines, by=by)


def remove_component(package: Package, product_id: int, *, by) -> None:
    """Take a product out of the package. Raises CompositionInvalid (also for the last one of an active package)."""
    _check_in_package(package, product_id)
    set_components(package, [line for line in _current_lines(package) if line.product_id != product_id], by=by)


# --- activation ---------------------------------------------------------------------------------------------


def _load_for_activation(package: Package) -> None:
    db.session.scalars(
        select(Package).where(Package.id == package.id).options(
            selectinload(Package.components).joinedload(PackageComponent.product).joinedload(Product.producer),
            selectinload(Package.components).joinedload(PackageComponent.product)
            .joinedload(Product.vat_category).selectinload(VatCategory.rates),
        )
    ).all()


# Why a component keeps its package out of the shop, per unmet condition of ``Product.is_for_sale``.
NOT_FOR_SALE_PROBLEMS = {
    SaleCondition.PUBLISHED: lambda name: _l("%(name)s staat niet in de winkel", name=name),
    SaleCondition.PRODUCER_ACTIVE: lambda name: _l("de producent van %(name)s is niet actief", name=name),
}


def activation_problems(package: Package) -> list[str]:
    """Why the package cannot be in the shop now (empty when it can)."""
    problems: list[str] = []
    if not package.components:
        problems.append(str(_l("het pakket heeft nog geen producten")))
    if not package.price_cents or package.price_cents <= 0:
        problems.append(str(_l("het pakket heeft geen prijs")))
    today = shop_today()
    for component in package.components:
        product = component.product
        unmet = product.unmet_sale_conditions(FOR_SALE)  # the product rule, so activation agrees with the shop
        if unmet:
            problems.append(str(NOT_FOR_SALE_PROBLEMS[unmet[0]](product.name)))
        elif product.stock < component.quantity:
            problems.append(str(_l("%(name)s heeft te weinig voorraad (%(stock)s, nodig: %(needed)s)",
                                   name=product.name, stock=product.stock, needed=component.quantity)))
        try:
            product.vat_category.rate_on(today)
        except LookupError:
            problems.append(str(_l("%(name)s heeft geen btw-tarief", name=product.name)))
    return problems


def _switch(package: Package, active: bool) -> bool:
    """Set ``active`` with a conditional UPDATE: of two people pressing the button at once, one changes it."""
    result = db.session.execute(
        update(Package).where(Package.id == package.id, Package.active.is_(not active)).values(active=active)
        .execution_options(synchronize_session=False)
    )
    package.active = active
    return result.rowcount == 1


def activate_package(package: Package, *, by) -> bool:
    """Put the package in the shop. Returns False when it already was (nothing recorded then).

    Raises ActivationRefused with every reason (see ``activation_problems``).
    """
    if package.active:
        return False
    _load_for_activation(package)
    problems = activation_problems(package)
    if problems:
        raise ActivationRefused(problems)
    if not _switch(package, True):
        return False
    record_action("package.activate", by=by, subject_type="package", subject_id=package.id, detail=package.name)
    db.session.flush()
    return True


def deactivate_package(package: Package, *, by) -> bool:
    """Take the package out of the shop (orders already placed are not touched). False when it already was."""
    if not package.active:
        return False
    if not _switch(package, False):
        return False
    record_action("package.deactivate", by=by, subject_type="package", subject_id=package.id, detail=package.name)
    db.session.flush()
    return True


# --- photo --------------------------------------------------------------------------------------------------


def set_photo(package: Package, file_storage, *, by) -> str | None:
    """Decode, re-encode and store an uploaded photo as the package's picture.

    Raises ``shop.catalog.images.ImageRejected`` for a bad file (nothing changes then). Returns the key of
    the previous photo, which the caller deletes from the storage after the commit (None when there was none).
    """
    stored = images.process_upload(file_storage, kind="package")
    previous = package.image_path
    package.image_path = stored.key
    record_action("package.photo", by=by, subject_type="package", subject_id=package.id, detail=stored.key)
    db.session.flush()
    return previous
