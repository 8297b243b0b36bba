"""The photo pipeline: decode, refuse what is not a safe picture, turn upright, strip, resize, store."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from shop.catalog.images import ImageRejected, process_upload, variant_key
from shop.core.storage import LocalStorage, get_storage


def _picture(fmt: str, size=(1200, 900), color=(200, 30, 30), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def _upload(data: bytes, filename="foto.jpg", content_type="image/jpeg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def _stored(key: str) -> Image.Image:
    image = Image.open(io.BytesIO(get_storage().open(key)))
    image.load()
    return image


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_are_resized_to_three_webp_sizes(app, fmt):
    with app.app_context():
        stored = process_upload(_upload(_picture(fmt, (2400, 1800)), filename="IMG_0001.bin"))
        assert stored.key.startswith("products/") and stored.key.endswith("-800.webp")
        assert "IMG_0001" not in stored.key
        assert sorted(stored.keys) == [400, 800, 1600]
        sizes = {size: _stored(key).size for size, key in stored.keys.items()}
        assert sizes == {1600: (1600, 1200), 800: (800, 600), 400: (400, 300)}
        assert _stored(stored.key).format == "WEBP"


def test_small_picture_is_not_enlarged(app):
    with app.app_context():
        stored = process_upload(_upload(_picture("PNG", (300, 200))))
        assert _stored(stored.keys[1600]).size == (300, 200)


def test_producer_kind_goes_to_its_own_folder(app):
    with app.app_context():
        stored = process_upload(_upload(_picture("JPEG")), kind="producer")
        assert stored.key.startswith("producers/")


def test_exif_orientation_6_comes_out_upright_and_metadata_is_stripped(app):
    # A landscape sensor picture (left half red, right half blue) that the camera says to rotate 90° clockwise.
    image = Image.new("RGB", (800, 400), (255, 0, 0))
    image.paste((0, 0, 255), (400, 0, 800, 400))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW
    exif[0x010F] = "Telefoon"  # Make
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), icc_profile=b"\0" * 128, quality=95)
    with app.app_context():
        stored = process_upload(_upload(buffer.getvalue()))
        result = _stored(stored.keys[1600])
    assert result.size == (400, 800)  # portrait: upright
    # Rotated clockwise: the red left half is now on top, blue at the bottom.
    top, bottom = result.convert("RGB").getpixel((200, 100)), result.convert("RGB").getpixel((200, 700))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60
    assert not result.getexif()
    assert "exif" not in result.info and "icc_profile" not in result.info and "xmp" not in result.info


def test_heic_from_an_iphone_is_converted(app):
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info().get("encoders"):
        pytest.skip("pillow-heif cannot write HEIF here")
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (20, 120, 40)).save(buffer, "HEIF", quality=80)
    with app.app_context():
        stored = process_upload(_upload(buffer.getvalue(), filename="IMG_1234.HEIC", content_type="image/heic"))
        assert _stored(stored.key).size == (640, 480)


def _png_bomb(width=20_000, height=20_000) -> bytes:
    """A tiny PNG that decodes to width x height 1-bit pixels (compressed zeros)."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    compressor = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


MESSAGE_NOT_A_PICTURE = "Dit bestand is geen foto die we kunnen lezen. Stuur een JPEG-, PNG- of WebP-foto."


def test_decompression_bomb_is_refused(app):
    data = _png_bomb()
    assert len(data) < 200_000
    with app.app_context(), pytest.raises(ImageRejected) as error:
        process_upload(_upload(data, filename="bom.png", content_type="image/png"))
    assert str(error.value) == "Deze foto heeft te veel pixels (hoogstens 40 megapixel). Verklein hem en probeer opnieuw."


def test_truncated_png_is_refused(app):
    data = _noisy_png()
    with app.app_context(), pytest.raises(ImageRejected) as error:
        process_upload(_upload(data[: len(data) // 2], filename="half.png", content_type="image/png"))
    assert str(error.value) == MESSAGE_NOT_A_PICTURE


def _noisy_png() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 64).convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def test_text_file_named_jpg_is_refused(app):
    with app.app_context(), pytest.raises(ImageRejected) as error:
        process_upload(_upload(b"Dit is geen foto maar een boodschappenlijst.\n", filename="foto.jpg"))
    assert str(error.value) == MESSAGE_NOT_A_PICTURE


def test_other_image_formats_are_refused(app):
    with app.app_context(), pytest.raises(ImageRejected) as error:
        process_upload(_upload(_picture("GIF"), filename="foto.gif", content_type="image/gif"))
    assert str(error.value) == MESSAGE_NOT_A_PICTURE


def test_oversize_upload_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMAGE_UPLOAD_BYTES", 1024 * 1024)
    with app.app_context(), pytest.raises(ImageRejected) as error:
        process_upload(_upload(b"\xff\xd8" + b"\0" * (1024 * 1024)))
    assert str(error.value) == "Deze foto is te groot. Een foto mag hoogstens 1 MB zijn."


def test_empty_upload_is_refused(app):
    with app.app_context(), pytest.raises(ImageRejected) as error:
        process_upload(_upload(b""))
    assert str(error.value) == "Kies een foto om op te laden."


def test_variant_key():
    assert variant_key("products/abc-800.webp", 400) == "products/abc-400.webp"
    assert variant_key("static/img/products/kaas.svg", 400) == "static/img/products/kaas.svg"
    assert variant_key(None, 400) is None


def test_local_storage_refuses_keys_outside_its_folder(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.save("products/a.webp", b"x", "image/webp")
    assert storage.open("products/a.webp") == b"x"
    for key in ("../x", "/etc/passwd", "a/../../b", ""):
        with pytest.raises(ValueError):
            storage.save(key, b"x", "image/webp")
    storage.delete("products/a.webp")
    assert not storage.exists("products/a.webp")


def test_heic_without_a_decoder_is_refused_with_advice(app, monkeypatch):
    from shop.catalog import images

    monkeypatch.setattr(images, "HEIF_SUPPORTED", False)
    fake_heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 100
    with app.app_context(), pytest.raises(ImageRejected) as error:
        process_upload(_upload(fake_heic, filename="IMG_1234.HEIC", content_type="image/heic"))
    assert str(error.value) == (
        "We kunnen deze iPhone-foto (HEIC) niet lezen. Zet je iPhone bij Instellingen > Camera > Formaten op "
        "'Meest compatibel', of stuur de foto als JPEG."
    )


def test_storage_backend_is_chosen_by_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_STORAGE", "tests.catalog.test_images:memory_storage")
    with app.app_context():
        stored = process_upload(_upload(_picture("PNG", (100, 80))))
    assert sorted(MEMORY) == sorted(stored.keys.values())


MEMORY: dict[str, bytes] = {}


class _MemoryStorage:
    def save(self, key, data, content_type):
        MEMORY[key] = data

    def delete(self, key):
        MEMORY.pop(key, None)

    def open(self, key):
        return MEMORY[key]

    def exists(self, key):
        return key in MEMORY


def memory_storage(app):
    return _MemoryStorage()
