"""The photo pipeline: every upload is decoded, checked, turned upright, stripped and re-encoded.

Never trusted: the file name, its extension and the Content-Type. Pillow decodes the bytes; only JPEG, PNG,
WebP and (iPhone) HEIC/HEIF pictures are accepted. Refused with a message: files over the size limit
(config ``MAX_IMAGE_UPLOAD_BYTES``, 10 MB by default), decompression bombs (more than ``MAX_IMAGE_PIXELS``
pixels), truncated or corrupt files and anything that is not a picture.

Output: WebP (quality 82), which every browser the shop supports shows and which is about a third smaller
than JPEG at the same quality. Three variants per upload, by their long side: 1600 px (zoom), 800 px (the
product and producer pages: this is the key stored on ``ProductImage.path`` / ``Producer.photo_path``) and
400 px (cards, portal thumbnails); a smaller original is never enlarged. Keys are random
(``products/<uuid>-800.webp``), never the uploaded name. No EXIF, ICC or XMP is written: the EXIF
orientation is applied to the pixels first, so a phone picture stays upright.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps
from sqlalchemy import func, select

from shop.catalog.models import Product, ProductImage
from shop.core.errors import DomainError
from shop.core.storage import get_storage
from shop.extensions import db

try:  # iPhone photos (HEIC). Without it, HEIC uploads are refused with advice.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_SUPPORTED = True
except Exception:  # pragma: no cover - depends on the installed wheels
    HEIF_SUPPORTED = False

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 MP: larger than any phone camera, far below a bomb
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
SIZES = (1600, 800, 400)
MAIN_SIZE = 800
THUMBNAIL_SIZE = 400
WEBP_QUALITY = 82
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "HEIF"}
MAX_IMAGES_PER_PRODUCT = 8
KIND_FOLDERS = {"product": "products", "producer": "producers", "package": "packages", "logo": "logos"}
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


class ImageRejected(DomainError):
    pass


@dataclass(frozen=True)
class StoredImage:
    """The stored variants of one upload; ``key`` (the 800 px one) is what a row keeps."""

    key: str
    keys: dict[int, str] = field(default_factory=dict)
    width: int = 0
    height: int = 0


def max_upload_bytes() -> int:
    return int(current_app.config.get("MAX_IMAGE_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def variant_key(key: str | None, size: int) -> str | None:
    """The key of another size of a stored upload; bundled ``static/`` pictures have one size only."""
    if not key or key.startswith("static/"):
        return key
    stem, dot, extension = key.rpartition(".")
    base, dash, current = stem.rpartition("-")
    if not dash or not current.isdigit() or int(current) not in SIZES:
        return key
    return f"{base}-{size}.{extension}"


def thumbnail_key(key: str | None) -> str | None:
    return variant_key(key, THUMBNAIL_SIZE)


def _read(file_storage) -> bytes:
    limit = max_upload_bytes()
    stream = getattr(file_storage, "stream", file_storage)
    data = stream.read(limit + 1)
    if not data:
        raise ImageRejected(_l("Kies een foto om op te laden."))
    if len(data) > limit:
        raise ImageRejected(
            _l("Deze foto is te groot. Een foto mag hoogstens %(mb)s MB zijn."), mb=round(limit / (1024 * 1024))
        )
    return data


def _looks_like_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def decode(data: bytes) -> Image.Image:
    """Decode the bytes into a fully loaded, upright picture, or raise ImageRejected."""
    if _looks_like_heif(data) and not HEIF_SUPPORTED:
        raise ImageRejected(
            _l("We kunnen deze iPhone-foto (HEIC) niet lezen. Zet je iPhone bij Instellingen > Camera > Formaten "
               "op 'Meest compatibel', of stuur de foto als JPEG.")
        )
    not_a_picture = _l("Dit bestand is geen foto die we kunnen lezen. Stuur een JPEG-, PNG- of WebP-foto.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise ImageRejected(not_a_picture)
            if image.width * image.height > MAX_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            image.load()
            image = ImageOps.exif_transpose(image)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(
            _l("Deze foto heeft te veel pixels (hoogstens %(mp)s megapixel). Verklein hem en probeer opnieuw."),
            mp=MAX_PIXELS // 1_000_000,
        ) from None
    except (OSError, SyntaxError, ValueError, Image.UnidentifiedImageError, EOFError):
        raise ImageRejected(not_a_picture) from None
    return image


def _encode(image: Image.Image, size: int) -> bytes:
    variant = image.copy()
    variant.thumbnail((size, size), Image.Resampling.LANCZOS)
    variant.info = {}  # no EXIF, ICC profile or XMP from the upload
    buffer = io.BytesIO()
    variant.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
    return buffer.getvalue()


def process_upload(file_storage, *, kind: str = "product") -> StoredImage:
    """Check, convert and store an uploaded picture (a werkzeug FileStorage or any object with ``read``).

    ``kind`` is ``"product"`` or ``"producer"`` (the folder). Returns the stored keys. Raises ImageRejected
    with a message for the producer when the file is too big, not a picture, truncated or a bomb.
    """
    folder = KIND_FOLDERS[kind]
    image = decode(_read(file_storage))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    storage = get_storage()
    name = uuid.uuid4().hex
    keys = {}
    for size in SIZES:
        key = f"{folder}/{name}-{size}.webp"
        storage.save(key, _encode(image, size), "image/webp")
        keys[size] = key
    return StoredImage(key=keys[MAIN_SIZE], keys=keys, width=image.width, height=image.height)


def delete_stored(key: str | None) -> None:
    """Remove every variant of an upload from the storage (bundled ``static/`` pictures are left alone)."""
    if not key or key.startswith("static/"):
        return
    storage = get_storage()
    for size in SIZES:
        storage.delete(variant_key(key, size))


# --- product photos -------------------------------------------------------------------------------


class TooManyImages(DomainError):
    pass


def add_product_image(product: Product, file_storage, *, by, alt: str = "") -> ProductImage:
    """Process an upload and add it as the product's last photo. Raises ImageRejected or TooManyImages."""
    count = db.session.scalar(select(func.count()).where(ProductImage.product_id == product.id))
    if count >= MAX_IMAGES_PER_PRODUCT:
        raise TooManyImages(_l("Een product kan hoogstens %(count)s foto's hebben."), count=MAX_IMAGES_PER_PRODUCT)
    stored = process_upload(file_storage, kind="product")
    last = db.session.scalar(select(func.max(ProductImage.position)).where(ProductImage.product_id == product.id))
    image = ProductImage(product_id=product.id, path=stored.key, alt=(alt or product.name)[:300],
                         position=(last or 0) + 1 if last is not None else 0)
    db.session.add(image)
    db.session.flush()
    db.session.expire(product, ["images"])
    return image


def delete_product_image(image: ProductImage, *, by) -> str:
    """Remove a photo row; returns its key so the caller deletes the files after the commit."""
    key = image.path
    product = image.product
    db.session.delete(image)
    db.session.flush()
    db.session.expire(product, ["images"])
    return key


def move_product_image(image: ProductImage, offset: int, *, by) -> None:
    """Move a photo one place earlier (-1) or later (+1); the first photo is the main one."""
    images = list(
        db.session.scalars(
            select(ProductImage).where(ProductImage.product_id == image.product_id)
            .order_by(ProductImage.position, ProductImage.id)
        )
    )
    index = next(i for i, candidate in enumerate(images) if candidate.id == image.id)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(images):
        return
    images[index], images[target] = images[target], images[index]
    for position, candidate in enumerate(images):
        candidate.position = position
    db.session.flush()
    db.session.expire(image.product, ["images"])
