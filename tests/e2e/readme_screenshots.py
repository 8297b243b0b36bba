"""Copy a few screenshots taken by the browser suite into docs/screenshots/ for the README.

Run the browser tests first (``make test`` with Chromium installed), then ``.venv/bin/python
tests/e2e/readme_screenshots.py``. Each picture is the top of the page as the journey saw it (cropped to at most
1000 px high, so the README stays light).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "test-artifacts" / "e2e"
TARGET = ROOT / "docs" / "screenshots"
MAX_HEIGHT = 1000

PICKS = {
    "home.png": "test_gift_delivered_at_home_paid_on_the_demo_page/01-home.png",
    "packages-search.png": "test_gift_delivered_at_home_paid_on_the_demo_page/03-packages-filtered.png",
    "checkout-phone.png": "test_the_same_journey_on_a_phone/06-checkout.png",
    "confirmation.png": "test_gift_delivered_at_home_paid_on_the_demo_page/09-confirmation.png",
    "portal-photo.png": "test_producer_lowers_stock_and_adds_a_photo_and_the_shop_shows_it/04-photo-added.png",
    "backoffice-dashboard.png": "test_staff_prints_a_pick_list_completes_an_order_and_refunds_another/01-dashboard.png",
    "backoffice-pick-list.png": "test_staff_prints_a_pick_list_completes_an_order_and_refunds_another/03-pick-list.png",
}


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, source in PICKS.items():
        image = Image.open(SOURCE / source)
        height = min(image.height, MAX_HEIGHT * (2 if image.width < 1000 else 1))
        image.crop((0, 0, image.width, height)).save(TARGET / name, optimize=True)
        print(f"{TARGET.relative_to(ROOT) / name} <- {source}")


if __name__ == "__main__":
    main()
