"""Imports every model so that the metadata (and Alembic) sees the whole schema."""

from shop.accounts.models import CompanyProfile, Role, User  # noqa: F401
from shop.cart.models import Cart, CartLine  # noqa: F401
from shop.catalog.models import (  # noqa: F401
    Category,
    Label,
    Locality,
    Municipality,
    Producer,
    Product,
    ProductAllergen,
    ProductImage,
    Region,
)
from shop.catalog.vat import VatCategory, VatRate  # noqa: F401
from shop.core.audit import AuditEntry  # noqa: F401
from shop.core.numbering import Counter  # noqa: F401
from shop.gifts.models import GiftOrder, GiftRecipient  # noqa: F401
from shop.inventory.models import StockMovement  # noqa: F401
from shop.invoicing.models import CreditNote, EInvoiceDelivery, Invoice  # noqa: F401
from shop.operations.models import JobRun  # noqa: F401
from shop.orders.models import (  # noqa: F401
    Order,
    OrderLine,
    OrderLineComponent,
    OrderNote,
    OrderTransition,
    Refund,
    Shipment,
)
from shop.outbox.models import OutboxAttachment, OutboxMessage  # noqa: F401
from shop.packages.models import Occasion, Package, PackageComponent  # noqa: F401
from shop.payments.models import StripeEvent  # noqa: F401
from shop.scheduling.models import Slot, SlotBooking, SlotDefault  # noqa: F401
from shop.supply.models import ProducerOrderList, ShortageReport, ShortageStatus  # noqa: F401
