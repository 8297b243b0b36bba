"""The anonymous catalogue pages come from a cache (shop.core.page_cache): never with another visitor's data, and
never stale after a change is committed, whoever makes it.

Each visitor is a client of its own, and each request runs in an app context of its own, as on a real server.
A page is first asked twice, so that the second answer is a copy from the cache (``X-Page-Cache: hit``); then
something changes through the writer that changes it in the shop, and the next anonymous visitor sees the change.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import replace

import pytest
from flask import Flask, make_response, render_template_string

from shop import create_app
from shop.catalog.allergens import Presence
from shop.catalog.models import Category, Product
from shop.catalog.producer_profile import ProfileData, update_producer_profile
from shop.core.page_cache import catalogue_changed, shared_page
from shop.inventory.services import correct_stock
from shop.listings.product_edit import archive_product, data_from_product, update_product
from shop.orders.lifecycle import transition
from shop.orders.models import OrderStatus
from shop.packages.admin import add_component
from tests.factories import (
    log_in_as,
    make_category,
    make_locality,
    make_municipality,
    make_order,
    make_package,
    make_producer,
    make_product,
    make_staff,
    make_user,
)

HIT = "hit"


def _visit(app: Flask, path: str, **kwargs):
    """The page as a new anonymous visitor gets it, in an app context of its own."""
    with app.app_context():
        return app.test_client().get(path, **kwargs)


def _cached(app: Flask, path: str, **kwargs) -> str:
    """The page once it is in the cache (asked twice: the second answer is the copy)."""
    assert _visit(app, path, **kwargs).status_code == 200
    response = _visit(app, path, **kwargs)
    assert response.headers["X-Page-Cache"] == HIT, path
    return response.get_data(as_text=True)


def _fresh(app: Flask, path: str, **kwargs) -> str:
    response = _visit(app, path, **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def farm(db):
    eeklo = make_municipality("Eeklo", slug="eeklo")
    make_locality("9900", "Eeklo", municipality=eeklo)
    kaas_category = make_category("Kaas", parent=make_category("Zuivel", slug="zuivel"), slug="kaas")
    producer = make_producer("Hoeve Cachet", municipality=eeklo, slug="hoeve-cachet", story="Wij maken kaas.")
    kaas = make_product("Cachetkaas", producer=producer, category=kaas_category, slug="cachetkaas", stock=2,
                        price_cents=1234, allergens={"milk": Presence.CONTAINS})
    boter = make_product("Cachetboter", producer=producer, category=kaas_category, slug="cachetboter", stock=20,
                         price_cents=880)
    package = make_package([(kaas, 1)], name="Cachetpakket", slug="cachetpakket", price_cents=3000)
    producer_user = make_user(role="producer", producer=producer)
    staff = make_staff()
    db.session.commit()
    return {"producer": producer, "kaas": kaas, "boter": boter, "package": package, "category": kaas_category,
            "producer_user": producer_user, "staff": staff}


# --- what a cached page holds ---------------------------------------------------------------------------------

SHOP_FRONT = ["/", "/producten", "/producten?categorie=kaas", "/producten/cachetkaas", "/pakketten",
              "/pakketten/cachetpakket", "/producenten", "/producenten/hoeve-cachet"]


@pytest.mark.parametrize("path", SHOP_FRONT)
def test_every_catalogue_page_is_served_from_the_cache_to_the_next_anonymous_visitor(app, farm, path):
    first = _visit(app, path)
    second = _visit(app, path)

    assert (first.headers["X-Page-Cache"], second.headers["X-Page-Cache"]) == ("miss", HIT)
    assert second.status_code == 200
    assert {"Accept-Language", "Cookie"} <= set(second.headers["Vary"].replace(" ", "").split(","))
    assert "Set-Cookie" not in second.headers or "session=" in second.headers["Set-Cookie"]
    assert "page-cache:" not in second.get_data(as_text=True)  # every placeholder was filled in


def _csrf_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]*)"', html))


def test_a_cached_page_never_carries_another_visitors_cart_log_in_or_message(app, db, farm):
    # Given visitor A: signed in, with two cheeses in the cart and a message waiting.
    with app.app_context():
        a = app.test_client()
        log_in_as(a, farm["producer_user"])
        a.post("/winkelmand/toevoegen", data={"product_id": farm["kaas"].id, "quantity": "2"})
        with a.session_transaction() as session:
            session["_flashes"] = [("success", "Bericht voor bezoeker A")]
        page_a = a.get("/producten")
    html_a = page_a.get_data(as_text=True)
    assert page_a.headers["X-Page-Cache"] == "bypass"
    assert "Bericht voor bezoeker A" in html_a and "Mijn portaal" in html_a
    assert 'class="cart-link__count">2<' in html_a

    # When anonymous visitors B and C ask the same page (C's answer comes from the cache).
    with app.app_context():
        b = app.test_client()
        html_b = b.get("/producten").get_data(as_text=True)
    with app.app_context():
        c = app.test_client()
        response_c = c.get("/producten")
    html_c = response_c.get_data(as_text=True)

    # Then neither shows A's message, menu, cart count or form tokens, and each has a token of its own.
    assert response_c.headers["X-Page-Cache"] == HIT
    for html in (html_b, html_c):
        assert "Bericht voor bezoeker A" not in html
        assert "Mijn portaal" not in html and "Uitloggen" not in html and "Inloggen" in html
        assert 'class="cart-link__count">0<' in html
        assert not _csrf_tokens(html) & _csrf_tokens(html_a)
    assert len(_csrf_tokens(html_b)) == 1 and len(_csrf_tokens(html_c)) == 1
    assert _csrf_tokens(html_b) != _csrf_tokens(html_c)


def test_a_cached_page_shows_each_visitor_their_own_cart_count(app, db, farm):
    _cached(app, "/producenten/hoeve-cachet")
    with app.app_context():
        visitor = app.test_client()
        visitor.post("/winkelmand/toevoegen", data={"product_id": farm["boter"].id, "quantity": "3"})
    with app.app_context():
        visitor.get("/winkelmand")  # shows (and so clears) the message "added to your cart"
    with app.app_context():
        response = visitor.get("/producenten/hoeve-cachet")

    assert response.headers["X-Page-Cache"] == HIT
    assert 'class="cart-link__count">3<' in response.get_data(as_text=True)


def test_each_language_has_its_own_copy(app, db, farm):
    dutch = _cached(app, "/producten", headers={"Accept-Language": "nl"})
    french = _cached(app, "/producten", headers={"Accept-Language": "fr"})

    assert '<html lang="nl">' in dutch and '<html lang="fr">' in french


def _instance(app: Flask, **overrides) -> Flask:
    """Another web instance on the test database."""
    config = {key: app.config[key] for key in ("ENV_NAME", "TESTING", "WTF_CSRF_ENABLED", "SQLALCHEMY_DATABASE_URI",
                                               "MEDIA_ROOT", "MAIL_DIR", "EINVOICE_DIR", "PAGE_CACHE_GENERATION_FILE")}
    config.update(overrides)
    return create_app(config)


def _close(*instances: Flask) -> None:
    from shop.extensions import db

    for instance in instances:
        with instance.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_response_that_sets_a_cookie_is_never_stored(app, db, farm):
    instance = _instance(app)

    @instance.get("/test-cookie-page")
    @shared_page
    def cookie_page():
        response = make_response(render_template_string("<p>koekje</p>"))
        response.set_cookie("seen", "yes")
        return response

    try:
        responses = [_visit(instance, "/test-cookie-page") for _ in range(3)]
    finally:
        _close(instance)

    assert [r.headers["X-Page-Cache"] for r in responses] == ["miss", "miss", "miss"]
    assert all("seen=yes" in r.headers["Set-Cookie"] for r in responses)


def test_a_signed_in_visitor_always_gets_a_fresh_page_and_leaves_no_copy(app, db, farm):
    with app.app_context():
        client = app.test_client()
        log_in_as(client, farm["staff"])
        responses = [client.get("/pakketten") for _ in range(2)]

    assert [r.headers["X-Page-Cache"] for r in responses] == ["bypass", "bypass"]
    assert _visit(app, "/pakketten").headers["X-Page-Cache"] == "miss"


def test_a_page_not_found_is_not_stored(app, db, farm):
    assert [_visit(app, "/producten/bestaat-niet").headers["X-Page-Cache"] for _ in range(2)] == ["miss", "miss"]


def test_with_the_cache_off_every_page_is_rendered(app, db, farm):
    app.extensions["page_cache"].enabled = False
    try:
        states = [_visit(app, "/producten").headers["X-Page-Cache"] for _ in range(2)]
    finally:
        app.extensions["page_cache"].enabled = True
    assert states == ["off", "off"]


# --- every writer: the next visitor sees the change --------------------------------------------------------------

def test_a_price_edited_by_the_producer_in_the_portal_shows_at_once(app, db, farm):
    kaas = farm["kaas"]
    for path in ("/producten", "/producten/cachetkaas"):
        assert "12,34" in _cached(app, path)
    with app.app_context():
        producer = app.test_client()
        log_in_as(producer, farm["producer_user"])
        response = producer.post("/portaal/snel", data={
            f"stock-{kaas.id}": "2", f"price-{kaas.id}": "13,57", f"available-{kaas.id}": "1",
            f"expected-{kaas.id}": "2",
            f"stock-{farm['boter'].id}": "20", f"price-{farm['boter'].id}": "8,80",
            f"available-{farm['boter'].id}": "1", f"expected-{farm['boter'].id}": "20",
        })
        assert response.status_code == 303

    for path in ("/producten", "/producten/cachetkaas"):
        html = _fresh(app, path)
        assert "13,57" in html and "12,34" not in html, path


def test_a_product_edited_through_the_listing_service_shows_its_new_name_and_price(app, db, farm):
    assert "Cachetkaas" in _cached(app, "/producenten/hoeve-cachet")
    kaas = db.session.get(Product, farm["kaas"].id)
    update_product(kaas, replace(data_from_product(kaas), name="Cachetkaas Oud", price_cents=2468),
                   by=farm["producer_user"])
    db.session.commit()

    html = _fresh(app, "/producenten/hoeve-cachet")
    assert "Cachetkaas Oud" in html and "24,68" in html


def test_stock_taken_by_an_order_shows_the_product_sold_out(app, db, farm):
    form = f'name="product_id" value="{farm["kaas"].id}"'
    page = _cached(app, "/producten/cachetkaas")
    assert "Uitverkocht" not in page and form in page

    make_order((db.session.get(Product, farm["kaas"].id), 2))
    db.session.commit()

    page = _fresh(app, "/producten/cachetkaas")
    assert "Uitverkocht" in page and form not in page


def test_an_order_that_is_rolled_back_leaves_the_product_for_sale(app, db, farm):
    _cached(app, "/producten/cachetkaas")
    make_order((db.session.get(Product, farm["kaas"].id), 2))
    db.session.rollback()

    assert "Uitverkocht" not in _fresh(app, "/producten/cachetkaas")


def test_a_cancelled_order_returning_its_stock_shows_the_product_for_sale_again(app, db, farm):
    order = make_order((db.session.get(Product, farm["kaas"].id), 2))
    db.session.commit()
    assert "Uitverkocht" in _cached(app, "/producten/cachetkaas")

    transition(order, OrderStatus.CANCELLED, by=farm["staff"], note="klant belde")
    db.session.commit()

    page = _fresh(app, "/producten/cachetkaas")
    assert "Uitverkocht" not in page and f'name="product_id" value="{farm["kaas"].id}"' in page


def test_a_staff_stock_correction_shows_at_once(app, db, farm):
    assert "Uitverkocht" not in _cached(app, "/producten/cachetboter")
    with app.app_context():
        staff = app.test_client()
        log_in_as(staff, farm["staff"])
        response = staff.post(f"/beheer/voorraad/{farm['boter'].id}", data={"new_stock": "0", "reason": "weg ermee"})
        assert response.status_code in (302, 303)

    assert "Uitverkocht" in _fresh(app, "/producten/cachetboter")


def test_a_stock_correction_through_the_service_shows_at_once(app, db, farm):
    assert "Uitverkocht" not in _cached(app, "/producten/cachetboter")
    correct_stock(db.session.get(Product, farm["boter"].id), 0, by=farm["staff"], reason="telling")
    db.session.commit()

    assert "Uitverkocht" in _fresh(app, "/producten/cachetboter")


def test_a_csv_import_shows_its_prices_and_stock(app, db, farm):
    import io
    import json

    assert "8,80" in _cached(app, "/producten/cachetboter")
    boter = farm["boter"].id
    with app.app_context():
        producer = app.test_client()
        log_in_as(producer, farm["producer_user"])
        preview = producer.post("/portaal/csv", content_type="multipart/form-data", data={
            "file": (io.BytesIO(f"id;naam;prijs;voorraad;beschikbaar\r\n{boter};Cachetboter;9,15;0;ja\r\n".encode()),
                     "producten.csv")})
        changes = preview.get_data(as_text=True).split('name="changes" type="hidden" value="')[1].split('"')[0]
        changes = changes.replace("&#34;", '"')
        assert json.loads(changes)[0][:3] == [boter, 0, 915]
        assert producer.post("/portaal/csv/bevestigen", data={"changes": changes}).status_code == 303

    page = _fresh(app, "/producten/cachetboter")
    assert "9,15" in page and "8,80" not in page and "Uitverkocht" in page


def test_a_change_of_a_packages_composition_shows_on_its_page(app, db, farm):
    assert "Cachetboter" not in _cached(app, "/pakketten/cachetpakket")
    add_component(farm["package"], farm["boter"].id, 2, by=farm["staff"])
    db.session.commit()

    assert "Cachetboter" in _fresh(app, "/pakketten/cachetpakket")


def test_a_package_sold_out_through_its_component_shows_on_the_packages_list(app, db, farm):
    before = _cached(app, "/pakketten")
    make_order((db.session.get(Product, farm["kaas"].id), 2))
    db.session.commit()

    assert _fresh(app, "/pakketten") != before


def test_a_producers_profile_edit_shows_on_the_producer_page(app, db, farm):
    assert "Wij maken kaas." in _cached(app, "/producenten/hoeve-cachet")
    update_producer_profile(farm["producer"], ProfileData(story="Sinds 1890 maken wij kaas.", street="Molenstraat 3",
                                                          postcode="9900"), by=farm["producer_user"])
    db.session.commit()

    html = _fresh(app, "/producenten/hoeve-cachet")
    assert "Sinds 1890 maken wij kaas." in html and "Wij maken kaas." not in html


def test_a_renamed_category_shows_in_the_filters(app, db, farm):
    assert "Kazen van de hoeve" not in _cached(app, "/producten")
    db.session.get(Category, farm["category"].id).name = "Kazen van de hoeve"
    db.session.commit()

    assert "Kazen van de hoeve" in _fresh(app, "/producten")


def test_a_products_translation_shows_to_french_visitors(app, db, farm):
    french = {"headers": {"Accept-Language": "fr"}}
    assert "Fromage Cachet" not in _cached(app, "/producten/cachetkaas", **french)
    kaas = db.session.get(Product, farm["kaas"].id)
    update_product(kaas, replace(data_from_product(kaas), translations={"fr": {"name": "Fromage Cachet"}}),
                   by=farm["producer_user"])
    db.session.commit()

    assert "Fromage Cachet" in _fresh(app, "/producten/cachetkaas", **french)
    assert "Fromage Cachet" not in _fresh(app, "/producten/cachetkaas", headers={"Accept-Language": "nl"})


def test_an_archived_product_is_gone_from_the_list_and_its_page(app, db, farm):
    assert "Cachetkaas" in _cached(app, "/producten")
    _cached(app, "/producten/cachetkaas")
    archive_product(db.session.get(Product, farm["kaas"].id), by=farm["producer_user"])
    db.session.commit()

    assert "Cachetkaas" not in _fresh(app, "/producten")
    assert _visit(app, "/producten/cachetkaas").status_code == 404


def test_a_change_of_the_shops_settings_shows_in_every_footer(app, db, farm):
    assert "75,00" in _cached(app, "/")
    app.config["SHOP_SETTINGS"] = {"free_delivery_threshold_cents": 6123}
    try:
        html = _fresh(app, "/")
    finally:
        app.config.pop("SHOP_SETTINGS")
    assert "61,23" in html and "75,00" not in html


def test_a_change_written_outside_the_session_is_announced_by_hand(app, db, farm):
    from sqlalchemy import update

    assert "12,34" in _cached(app, "/producten/cachetkaas")
    kaas_id = farm["kaas"].id
    db.session.commit()  # the session holds no transaction: the change below is written beside it
    with db.engine.begin() as connection:
        connection.execute(update(Product.__table__).where(Product.__table__.c.id == kaas_id)
                           .values(price_cents=4321))
    catalogue_changed("price")

    assert "43,21" in _fresh(app, "/producten/cachetkaas")


# --- two web instances sharing Redis ----------------------------------------------------------------------------

# The Redis these tests use (keys under a prefix of their own); SHOP_TEST_REDIS_URL picks another database.
REDIS_URL = os.environ.get("SHOP_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("SHOP_REQUIRE_SERVICES") == "1":
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


def test_two_instances_sharing_redis_see_each_others_invalidation(app, db, farm):
    redis = _redis_or_skip()
    prefix = f"shop-test-{uuid.uuid4().hex[:12]}:"
    one, two = (_instance(app, REDIS_URL=REDIS_URL, PAGE_CACHE_PREFIX=prefix) for _ in range(2))
    try:
        # Instance one renders the page; instance two gets the copy from Redis.
        assert _visit(one, "/producten/cachetkaas").headers["X-Page-Cache"] == "miss"
        from_redis = _visit(two, "/producten/cachetkaas")
        assert from_redis.headers["X-Page-Cache"] == HIT and "12,34" in from_redis.get_data(as_text=True)
        assert _visit(two, "/producten/cachetkaas").headers["X-Page-Cache"] == HIT

        # A price change committed through instance one.
        with one.app_context():
            from shop.extensions import db as one_db

            one_db.session.get(Product, farm["kaas"].id).price_cents = 5555
            one_db.session.commit()

        # Instance two, which holds a copy of its own, shows the new price at once (once Redis's push is there).
        _until_pushed(two.extensions["page_cache"].generation)
        response = _visit(two, "/producten/cachetkaas")
        assert response.headers["X-Page-Cache"] == "miss"
        assert "55,55" in response.get_data(as_text=True)
    finally:
        for key in redis.scan_iter(match=prefix + "*"):
            redis.delete(key)
        _close(one, two)


def _until_pushed(generation) -> None:
    """Waits (at most a few seconds) until Redis's invalidation reached this generation's tracking connection: the
    window between a change and the push arriving is the network's latency, not something a test can order."""
    if generation._poll is not None:
        generation._poll.poll(5000)


class _Silent:
    """A socket poll that sees nothing yet (a push still on the way)."""

    def poll(self, timeout=None):
        return []


def _generations(redis, count: int):
    from shop.core.page_cache import RedisGeneration

    key = f"shop-test-{uuid.uuid4().hex[:12]}:generation"
    # Read again only on a push or a lost connection (not after the usual second): what these tests are about.
    made = [RedisGeneration(type(redis).from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5), key,
                            recheck=3600) for _ in range(count)]
    return key, made


def test_a_change_by_one_instance_is_seen_by_the_others_next_read_without_asking_redis_each_time():
    redis = _redis_or_skip()
    key, (one, two) = _generations(redis, 2)
    try:
        before = one.read()
        assert two.read() == before and one.read() == before  # held in process: same token

        # The writer's own process sees its change at once, even while its own push is still on the way (here:
        # its socket is not polled until the change is made and read).
        polled = two._poll
        two._poll = _Silent()
        two.bump()
        assert two.read() != before
        two._poll = polled
        _until_pushed(one)
        assert one.read() == two.read() != before
    finally:
        redis.delete(key)


def test_an_emptied_redis_gives_a_new_token_never_an_old_one():
    redis = _redis_or_skip()
    key, (one, two) = _generations(redis, 2)
    try:
        seen = {one.read()}
        two.bump()
        seen.add(two.read())
        redis.delete(key)  # as FLUSHDB or a restarted Redis without its data: the key is gone
        _until_pushed(one)
        after = one.read()
        assert after not in seen and two.read() == after
    finally:
        redis.delete(key)


@pytest.mark.skipif(os.environ.get("SHOP_TEST_REDIS_FLUSHDB") != "1",
                    reason="empties the Redis database: only with SHOP_TEST_REDIS_FLUSHDB=1 on a database of its own")
def test_after_flushdb_the_next_read_gets_a_new_token():
    redis = _redis_or_skip()
    key, (one, two) = _generations(redis, 2)
    try:
        before = one.read()
        redis.flushdb()
        _until_pushed(one)
        after = one.read()
        assert after != before and two.read() == after
    finally:
        redis.delete(key)


def test_a_lost_connection_drops_the_token_held_in_process():
    redis = _redis_or_skip()
    key, (one, two) = _generations(redis, 2)
    try:
        before = one.read()
        one._connection.send_command("CLIENT", "ID")
        client_id = one._connection.read_response()
        # The connection that would carry the invalidation is cut, and the token changes behind its back
        # (written without tracking: no push could reach it anyway).
        redis.client_kill_filter(_id=client_id)
        redis.set(key, "changed-while-disconnected")
        _until_pushed(one)  # the closed connection shows on the socket

        assert one.read() == "changed-while-disconnected"
        assert one.read() == two.read() == "changed-while-disconnected" != before
    finally:
        redis.delete(key)


def test_a_forked_process_reads_on_a_connection_of_its_own():
    redis = _redis_or_skip()
    key, (one,) = _generations(redis, 1)
    try:
        one.read()
        parent_connection = one._connection
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: reads, changes, reads again, and says whether it used a connection of its own
            try:
                token = one.read()
                one.bump()
                ok = one._connection is not parent_connection and one.read() != token
                os.write(writer, b"1" if ok else b"0")
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        assert os.read(reader, 1) == b"1"
        _until_pushed(one)
        assert one.read() == redis.get(key).decode()  # the parent's connection still works, and saw the change
    finally:
        redis.delete(key)


def test_with_redis_unreachable_pages_are_rendered_without_the_cache(app, db, farm):
    instance = _instance(app, REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_STORAGE_URI="memory://")
    try:
        responses = [_visit(instance, "/producten/cachetkaas") for _ in range(2)]
    finally:
        _close(instance)

    assert [r.status_code for r in responses] == [200, 200]
    assert [r.headers["X-Page-Cache"] for r in responses] == ["unavailable", "unavailable"]
    assert "12,34" in responses[1].get_data(as_text=True)


def test_the_token_on_a_cached_page_is_accepted_when_the_visitor_posts_the_form(app, db, farm):
    # Given an instance that checks CSRF tokens, and a product page already in its cache.
    instance = _instance(app, WTF_CSRF_ENABLED=True)
    try:
        with instance.app_context():
            instance.test_client().get("/producten/cachetkaas")
        with instance.app_context():
            visitor = instance.test_client()
            page = visitor.get("/producten/cachetkaas")
            assert page.headers["X-Page-Cache"] == HIT
            (token,) = _csrf_tokens(page.get_data(as_text=True))

            # When the visitor adds the product with that token, and a stranger with a forged one.
            added = visitor.post("/winkelmand/toevoegen", data={"product_id": farm["kaas"].id, "quantity": "1",
                                                                 "csrf_token": token})
            forged = instance.test_client().post("/winkelmand/toevoegen", data={
                "product_id": farm["kaas"].id, "quantity": "1", "csrf_token": token})

        # Then the visitor's form goes through and the stranger's is refused.
        assert added.status_code == 303
        assert forged.status_code == 400
    finally:
        _close(instance)


# --- the fast path: a hit served in front of Flask (page_cache.FastHits) ----------------------------------------
# A hit is first served once through Flask (which records its headers with the copy); the next hits of that copy
# come from the fast path. ``through_flask`` lists the requests that reached Flask, so each test can tell.

@pytest.fixture
def through_flask(app):
    fast = app.wsgi_app
    inner = fast.wsgi_app
    calls: list[str] = []

    def counting(environ, start_response):
        calls.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        return inner(environ, start_response)

    fast.wsgi_app = counting
    yield calls
    fast.wsgi_app = inner


def _warm(app: Flask, path: str, **kwargs) -> None:
    """The copy of ``path`` made, and one hit of it served through Flask (in that form: gzip or not, GET or HEAD)."""
    method = kwargs.pop("method", "GET")
    with app.app_context():
        app.test_client().get(path, **kwargs)
    with app.app_context():
        assert app.test_client().open(path, method=method, **kwargs).headers["X-Page-Cache"] == HIT


def _masked(headers, *, length: bool = False) -> list[tuple[str, str]]:
    """The headers but the values each request or visitor has its own of (its id, its new session cookie, and
    with ``length`` the size of a gzipped page, which varies by a byte or two with the visitor's token)."""
    masked = []
    for name, value in headers:
        if name == "X-Request-ID" or (length and name == "Content-Length"):
            value = "*"
        elif name == "Set-Cookie":
            value = "session=*;" + value.split(";", 1)[1]
        masked.append((name, value))
    return masked


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value="*"', html)


@pytest.mark.parametrize("encoding", ["gzip", None])
@pytest.mark.parametrize("path", ["/producten", "/producten?categorie=kaas", "/pakketten/cachetpakket"])
def test_a_fast_hit_is_the_same_answer_as_a_hit_through_flask(app, farm, through_flask, path, encoding):
    import gzip

    headers = {"Accept-Encoding": encoding} if encoding else {}
    with app.app_context():
        app.test_client().get(path, headers=headers)  # the copy
    answers = []
    for _ in range(2):  # a hit through Flask, then the same from the fast path, each for a new visitor
        with app.app_context():
            answers.append(app.test_client().get(path, headers=headers))
    flask_hit, fast_hit = answers

    assert through_flask == [f"GET {path.split('?')[0]}"] * 2
    assert flask_hit.status_code == fast_hit.status_code == 200
    assert (_masked(fast_hit.headers.to_wsgi_list(), length=bool(encoding))
            == _masked(flask_hit.headers.to_wsgi_list(), length=bool(encoding)))
    assert fast_hit.headers["X-Request-ID"] != flask_hit.headers["X-Request-ID"]
    assert [int(a.headers["Content-Length"]) for a in answers] == [len(a.get_data()) for a in answers]
    assert (fast_hit.headers.get("Content-Encoding") == "gzip") == (encoding == "gzip")
    bodies = [a.get_data() for a in answers]
    if encoding:
        bodies = [gzip.decompress(body) for body in bodies]
    assert _without_tokens(bodies[1].decode()) == _without_tokens(bodies[0].decode())
    assert _csrf_tokens(bodies[1].decode()) != _csrf_tokens(bodies[0].decode())


def test_a_fast_head_has_the_headers_of_a_get_and_no_body(app, farm, through_flask):
    with app.app_context():
        app.test_client().get("/producenten")  # the copy
        flask_head = app.test_client().head("/producenten")
        fast_head = app.test_client().head("/producenten")

    assert through_flask == ["GET /producenten", "HEAD /producenten"]
    assert flask_head.headers["X-Page-Cache"] == HIT
    assert fast_head.status_code == 200 and fast_head.get_data() == b""
    assert _masked(fast_head.headers.to_wsgi_list()) == _masked(flask_head.headers.to_wsgi_list())
    assert int(fast_head.headers["Content-Length"]) > 1000


def _paths_flask_answers(instance) -> list[str]:
    """The paths of the requests that reach Flask from now on (the fast path answers the others)."""
    calls: list[str] = []
    inner = instance.wsgi_app.wsgi_app
    instance.wsgi_app.wsgi_app = lambda environ, start: calls.append(environ["PATH_INFO"]) or inner(environ, start)
    return calls


def test_a_visitor_with_a_session_keeps_its_token_and_its_form_goes_through(app, db, farm):
    instance = _instance(app, WTF_CSRF_ENABLED=True)
    try:
        _warm(instance, "/producten/cachetkaas")
        calls = _paths_flask_answers(instance)
        with instance.app_context():
            visitor = instance.test_client()
            visitor.get("/winkelmand")  # a session with its raw token, made by Flask
            with visitor.session_transaction() as session:
                raw = session["csrf_token"]
            calls.clear()
            page = visitor.get("/producten/cachetkaas")
            assert calls == [] and page.headers["X-Page-Cache"] == HIT
            assert "Set-Cookie" not in page.headers  # the session did not change
            (token,) = _csrf_tokens(page.get_data(as_text=True))
            added = visitor.post("/winkelmand/toevoegen", data={"product_id": farm["kaas"].id, "quantity": "1",
                                                                 "csrf_token": token})
            with visitor.session_transaction() as session:
                assert session["csrf_token"] == raw
        assert added.status_code == 303
    finally:
        _close(instance)


def test_a_new_visitor_gets_a_session_flask_reads_and_a_token_that_validates(app, db, farm):
    instance = _instance(app, WTF_CSRF_ENABLED=True)
    try:
        _warm(instance, "/producten/cachetkaas")
        calls = _paths_flask_answers(instance)
        with instance.app_context():
            flask_cookie = instance.test_client().get("/winkelmand").headers["Set-Cookie"]
            calls.clear()
            visitor = instance.test_client()
            page = visitor.get("/producten/cachetkaas")
            assert calls == []
            cookie = page.headers["Set-Cookie"]
            (token,) = _csrf_tokens(page.get_data(as_text=True))
            with visitor.session_transaction() as session:  # Flask reads the cookie the fast path wrote
                assert len(session["csrf_token"]) == 40
            added = visitor.post("/winkelmand/toevoegen", data={"product_id": farm["kaas"].id, "quantity": "1",
                                                                 "csrf_token": token})
            stranger = instance.test_client().post("/winkelmand/toevoegen", data={
                "product_id": farm["kaas"].id, "quantity": "1", "csrf_token": token})
        assert calls == ["/winkelmand/toevoegen", "/winkelmand/toevoegen"]
        # The cookie's attributes (name, path, flags) are those Flask gives a session cookie.
        assert cookie.split("=", 1)[0] == "session" and cookie.split(";", 1)[1] == flask_cookie.split(";", 1)[1]
        assert added.status_code == 303
        assert stranger.status_code == 400
    finally:
        _close(instance)


def test_a_cached_page_from_the_fast_path_never_carries_another_visitors_token_or_cart(app, db, farm, through_flask):
    _warm(app, "/producenten/hoeve-cachet")
    with app.app_context():
        a = app.test_client()
        a.post("/winkelmand/toevoegen", data={"product_id": farm["boter"].id, "quantity": "3"})
        a.get("/winkelmand")  # shows (and so clears) the message "added to your cart"
    through_flask.clear()
    with app.app_context():
        html_a = a.get("/producenten/hoeve-cachet").get_data(as_text=True)
        html_b = app.test_client().get("/producenten/hoeve-cachet").get_data(as_text=True)
        html_a_again = a.get("/producenten/hoeve-cachet").get_data(as_text=True)

    assert through_flask == []
    assert 'class="cart-link__count">3<' in html_a and 'class="cart-link__count">3<' in html_a_again
    assert 'class="cart-link__count">0<' in html_b
    assert len(_csrf_tokens(html_b)) == 1 and not _csrf_tokens(html_b) & _csrf_tokens(html_a)


def test_the_fast_path_leaves_everything_it_is_not_sure_of_to_flask(app, db, farm, through_flask):
    _warm(app, "/pakketten")
    with app.app_context():
        signed_in = app.test_client()
        log_in_as(signed_in, farm["staff"])
        with_message = app.test_client()
        with with_message.session_transaction() as session:
            session["_flashes"] = [("success", "Bericht")]
        remembered = app.test_client()
        remembered.set_cookie("remember_token", "1|abc")
        through_flask.clear()
        answers = {
            "signed in": signed_in.get("/pakketten"),
            "message": with_message.get("/pakketten"),
            "remember cookie": remembered.get("/pakketten"),
            "post": app.test_client().post("/pakketten"),
            "unknown": app.test_client().get("/pakketten/bestaat-niet"),
        }
        assert len(through_flask) == len(answers)
        assert answers["signed in"].headers["X-Page-Cache"] == "bypass"
        assert "Bericht" in answers["message"].get_data(as_text=True)
        assert answers["unknown"].status_code == 404

        # After a change, the next visitor's page is rendered anew by Flask (a miss), not the old copy.
        through_flask.clear()
        catalogue_changed("price")
        db.session.commit()
        stale = app.test_client().get("/pakketten")
    assert through_flask == ["GET /pakketten"] and stale.headers["X-Page-Cache"] == "miss"


def test_a_fast_hit_writes_the_requests_log_line(app, farm, through_flask, caplog):
    _warm(app, "/producenten")
    # The warming requests write their lines too when an earlier test left shop.request at INFO: only this one's.
    caplog.clear()
    with caplog.at_level("INFO", logger="shop.request"), app.app_context():
        response = app.test_client().get("/producenten")

    assert through_flask == ["GET /producenten", "GET /producenten"]
    (line,) = [record for record in caplog.records if record.name == "shop.request"]
    assert (line.method, line.path, line.status, line.role) == ("GET", "/producenten", 200, "anonymous")
    assert line.request_id == response.headers["X-Request-ID"]


def test_behind_a_trusted_proxy_the_fast_path_sees_the_forwarded_host_and_request_id(app, db, farm):
    instance = _instance(app, TRUSTED_PROXIES=1, TRUSTED_HOSTS=["winkel.example"])
    proxied = {"X-Forwarded-Host": "winkel.example", "X-Forwarded-Proto": "https", "X-Request-ID": "proxy-id-123456"}
    try:
        _warm(instance, "/producten", headers=proxied)
        calls: list[str] = []
        inner = instance.wsgi_app.app.wsgi_app  # the proxy fix, then the fast path, then Flask
        instance.wsgi_app.app.wsgi_app = lambda environ, start: calls.append(environ["PATH_INFO"]) or inner(
            environ, start)
        with instance.app_context():
            page = instance.test_client().get("/producten", headers=proxied)
            other_host = instance.test_client().get("/producten", headers={**proxied,
                                                                            "X-Forwarded-Host": "elders.example"})
    finally:
        _close(instance)

    assert page.status_code == 200 and page.headers["X-Page-Cache"] == HIT
    assert page.headers["X-Request-ID"] == "proxy-id-123456"
    assert other_host.status_code == 400  # a host the shop does not answer to: Flask refuses it
    assert calls == ["/producten"]


def test_a_new_visitors_cookie_from_the_fast_path_follows_the_session_cookie_settings(app, db, farm, monkeypatch):
    instance = _instance(app, WTF_CSRF_ENABLED=True)
    try:
        _warm(instance, "/producten/cachetkaas")
        calls = _paths_flask_answers(instance)
        attributes = {}
        for secure, samesite in [(False, "Lax"), (True, "Strict"), (False, "Lax")]:
            monkeypatch.setitem(instance.config, "SESSION_COOKIE_SECURE", secure)
            monkeypatch.setitem(instance.config, "SESSION_COOKIE_SAMESITE", samesite)
            with instance.app_context():
                flask_cookie = instance.test_client().get("/winkelmand").headers["Set-Cookie"]
                calls.clear()
                cookie = instance.test_client().get("/producten/cachetkaas").headers["Set-Cookie"]
            assert calls == []  # the fast path answered
            assert cookie.split(";", 1)[1] == flask_cookie.split(";", 1)[1]
            attributes[(secure, samesite)] = cookie.split(";", 1)[1]
    finally:
        _close(instance)

    assert attributes[(True, "Strict")] == " Secure; HttpOnly; Path=/; SameSite=Strict"
    assert attributes[(False, "Lax")] == " HttpOnly; Path=/; SameSite=Lax"
