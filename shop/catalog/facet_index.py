"""The products list's facet index: every product for sale as a bit position, each facet value as a set of bits.

Counting a facet value under a combination of filters is then an AND of Python ints and a bit count
(``(filter_bits & value_bits).bit_count()``), microseconds also at hundreds of thousands of products, instead of a
statement that reads every product for sale.

The index is built from the database per catalogue *generation* (``shop.core.page_cache``: every change of what a
catalogue page shows replaces the generation, in every web instance) and per month (what is in season), and kept in
the process. Sales and a producer's or the shop's edits of a product change the generation too, and they are
frequent: so each change leaves a note in a change log beside the generation (``ChangeLog``: in Redis, or a file
without it), written by the writer's process just before the generation changes, that names the products whose
stock changed and those changed otherwise in a way the index follows per product (``PER_PRODUCT``: its status, so
whether it is for sale, its featured flag, the price, the season, the allergens, the product's own labels, its texts
and search text, its VAT category, its images ...), or says that something else changed. A process whose index is
behind reads the notes since and, when they name products only, reads those products again: the stock of those
whose stock changed (one statement, about a millisecond), and for the others their row, allergens and labels and
their matches of the search terms the index keeps (three more, of those products only), and keeps everything
else. A change of the catalogue's tables the list does not show
(images, VAT, packages) alone leaves the index as it is. Anything else builds the index again: what places a product
in the index or in its order by name (its producer, category, name), its producer's active flag, a new or deleted
product, a producer, place, category or label, a statement that wrote products' rows without naming them
(``CHANGED_PRODUCTS``), a missing note or a generation without one (about 2 s of CPU at 100 times
the demo catalogue, 50 ms at its size). A product whose row no longer fits its place in the index when it is read
again (a category changed by a writer that noted it as a change of price, say), or a product for sale without a
position, has it built again too. The index is never used by a session that holds changes of its own not yet
committed (``usable_index``), which counts with SQL.
So it is exact: it shows at least what the database held at the latest change this process has seen announced,
like the page cache itself.

A build never holds up a visitor: it runs in a thread of the process (``_build_in_background``; one at a time per
process, with its own app context, session and connection), and until it is done the lists count with SQL, which
is exact too but slow on a large catalogue: at 100 times the demo catalogue about 0.35 s of CPU per list on SQLite
(0.6-0.9 s with the build beside it), and on PostgreSQL 3-5 s of the database's time on a busy 2-core machine,
against a few ms at the demo catalogue's size. So no visitor waits for a whole build, and the worker serves other
pages meanwhile, but the lists of those seconds are slow at that size: after a change of a product's name or
category, a new product, a change of a producer or of the categories, places and labels, no longer after a change of
price, stock, season, allergens, texts, status (hidden, published again) or featured flag (``python -m
bench.facet_change`` measures it). A build of a generation that a change the index cannot follow per product
replaced while it ran is stale: it is dropped unused, and the next list starts another. A build overtaken by
changes it can follow is kept and brought up to date from the change log at its first use, like any index.
``FACET_INDEX_IN_BACKGROUND = False`` (the tests' setting) builds in the request instead; ``wait_for_build`` waits
for a running build (the tests of the background mode, the bench). Under gunicorn's sync workers the thread runs
beside the worker's requests. The first index of a start is built once, in gunicorn's arbiter before it forks its
workers (``build_before_fork``, in the arbiter's only thread, its connections closed before the fork): every worker,
also one forked days later, starts with it and, like a process that kept its index while changes were announced,
brings it up to date from the change log at its first use, or builds again when the notes cannot be followed.

Every product of an active producer has a position, in whatever status; those for sale (published) are a set of bits
(``for_sale``) that every count and page starts from, so a product hidden and published again, or a draft
published, flips a bit instead of moving positions (a new product has none: the index is built again).
Positions run producer by producer, and within a producer category by category: a producer's products are one run of
positions, so a producer, municipality or region filter is a union of runs and the producer facet counts each run
of the bits of a filter. Categories, labels, allergens, stock and the season are sets of bits. Labels hold the
products that have the label themselves or through their producer (each product once).

The build is one statement (``_build_statement``), besides the categories, places and labels it keeps for the list
(loaded as objects in a session of its own, then detached): products, allergens, product labels, producers and the
products by name, each aggregated in the database into a few long strings that Python splits and turns into bits at C
speed (``int(text, 2)``), without a Python step per product for what every product has.
"""

from __future__ import annotations

import logging
import operator
import os
import threading
import time
import uuid
from array import array
from collections import deque
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import compress, repeat
from operator import is_not
from typing import Any

from flask import current_app
from sqlalchemy import (
    Integer,
    String,
    cast,
    event,
    func,
    inspect,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, joinedload

from shop.catalog.models import (
    Category,
    Label,
    Municipality,
    Producer,
    Product,
    ProductAllergen,
    ProductStatus,
    producer_labels,
    product_labels,
)
from shop.catalog.search_index import term_matches
from shop.core.clock import shop_today
from shop.core.page_cache import PENDING, before_generation_bump
from shop.extensions import db

ONE = 49  # ord("1")
CHUNK = 8192  # positions skipped at once by their bits while walking an order for a page
STEP = 1024  # positions of the block a page starts in tested at once (a page of 24 rarely needs more)
NAME_SEPARATOR = "\x1f"  # between the names of a build's products (a unit separator: no name needs one)
MAX_KEPT = 256  # price bounds and search terms whose bits an index keeps (a robot's searches cannot fill memory)


def _bits_from_text(text: bytes | bytearray | str) -> int:
    """The bits of a text of "0"/"1" whose first character is position 0."""
    return int(text[::-1], 2) if text else 0


def _bits_at(positions, size: int) -> int:
    """A set of bits from an iterable of positions (C speed: no Python step per position)."""
    buffer = bytearray(b"0") * size
    deque(map(buffer.__setitem__, positions, repeat(ONE)), maxlen=0)
    return _bits_from_text(buffer)


def range_bits(start: int, end: int) -> int:
    return ((1 << (end - start)) - 1) << start


def bit_text(bits: int, size: int) -> bytes:
    """``bits`` as bytes of "0"/"1", the highest position first: ``text[size - p] == ord("1")`` tests position
    ``p`` (``text[0]`` is a "1" above them all, which keeps the leading zeros). Not turned around to position 0
    first: reversing the text cost more than making it (about 0.17 ms against 0.15 ms at 100 times the demo
    catalogue), where turning around the few positions asked costs next to nothing."""
    return format(bits | (1 << size), "b").encode()


@dataclass
class FacetIndex:
    generation: str
    month: int
    size: int
    categories: list[Category]
    places: list[Municipality]
    labels: list[Label]
    product_ids: array  # position -> product id
    position_of: dict[int, int]  # product id -> position
    # The same as an array indexed by product id, ``size`` for a product without a position (not for sale, or made
    # since): a search's matches, up to every product, are turned into bits at C speed (``bits_of_ids``).
    position_by_id: array
    prices: array  # position -> price in cents
    producer_runs: dict[int, tuple[int, int]]  # producer id -> (first position, end)
    producer_places: dict[int, tuple[int, int]]  # producer id -> (municipality id, region id)
    producer_slugs: dict[str, int]  # active producers only
    category_bits: dict[int, int]
    label_bits: dict[int, int]
    allergen_bits: dict[str, int]
    in_stock: int
    in_season: int
    # The positions of the products for sale (published): every product of an active producer has a position, in
    # whatever status, so that hiding a product and putting it back (a status change) flips its bit here instead
    # of moving positions (``_apply_product_changes``). Every other set of bits may hold products not for sale: a
    # count or a page starts from these (``everything``).
    for_sale: int
    by_name: array  # positions by name and id
    # Each position's name as the database lowers it (``lower(name)``), for a search's relevance (a name that holds
    # the term, ``search_index.relevance``): tested here for every product at once, at C speed, instead of
    # reading the name of every match from its row.
    names: list[str]
    by_featured: array  # the same, featured ones first: the recommended order but for the stock
    blocks: dict[str, list[int]]  # per order, the bits of each CHUNK of its positions
    featured: int  # how many of ``by_featured`` are featured (they come first)
    featured_bits: int
    seq: int  # the last note of the change log this index holds (ChangeLog), and its token
    anchor: str | None
    price_bits: dict[tuple[int | None, int | None], int] = field(default_factory=dict)
    # A search term's matches, and those that score 2 and 1 for relevance (search_index.relevance), read once
    # per build: kept when the stock is brought up to date; read again for the products brought up to date per
    # product (their search text may have changed; a name changes with a build only).
    terms: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    # How many products each facet value has, per facet ("categorie", "label", "zonder", "producent"): the counts
    # under no other filter (the list unfiltered, or filtered by that facet alone), without an AND of every
    # product's bits per value. Nothing here depends on the stock (kept when the stock is brought up to date); the
    # labels' and allergens' counted again when products are brought up to date per product, every facet's when
    # products entered or left the products for sale.
    sizes: dict[str, dict[Any, int]] = field(default_factory=dict)

    @property
    def everything(self) -> int:
        """The products for sale: every count and page starts from these."""
        return self.for_sale

    def producers_bits(self, producer_ids) -> int:
        bits = 0
        for producer_id in producer_ids:
            run = self.producer_runs.get(producer_id)
            if run is not None:
                bits |= range_bits(*run)
        return bits

    def place_bits(self, *, municipalities=(), regions=()) -> int:
        wanted_m, wanted_r = set(municipalities), set(regions)
        return self.producers_bits(p for p, (m, r) in self.producer_places.items() if m in wanted_m or r in wanted_r)

    def price_range_bits(self, low: int | None, high: int | None) -> int:
        bits = self.everything
        for key, test in (((low, None), low.__le__ if low is not None else None),
                          ((None, high), high.__ge__ if high is not None else None)):
            if test is None:
                continue
            part = self.price_bits.get(key)
            if part is None:  # a test per product, at C speed: a few milliseconds at 100 times the demo catalogue
                part = _bits_from_text(bytes(map(test, self.prices)).translate(_ZERO_ONE))
                if len(self.price_bits) > MAX_KEPT:
                    self.price_bits.clear()
                self.price_bits[key] = part
            bits &= part
        return bits

    def bits_of_ids(self, product_ids) -> int:
        """The positions of these products (those of an inactive producer, or new since the build, have none; those
        not for sale may have one: the caller keeps to ``everything``): each id's position read from
        ``position_by_id``, a product without one set at ``size``, a bit past the end that is dropped. No Python
        step per product: at 100 times the demo catalogue ~10 ms for ``hoeve``'s 120,000 matches, where a lookup in
        ``position_of`` and a test for None per product took ~25 ms."""
        ids = self._known_ids(product_ids)
        buffer = bytearray(b"0") * (self.size + 1)
        deque(map(buffer.__setitem__, map(self.position_by_id.__getitem__, ids), repeat(ONE)), maxlen=0)
        del buffer[self.size]
        return _bits_from_text(buffer)

    def positions_of_ids(self, product_ids) -> list[int]:
        """The positions of these products that have one, in their order."""
        return list(filter(self.size.__ne__, map(self.position_by_id.__getitem__, self._known_ids(product_ids))))

    def _known_ids(self, product_ids):
        """``product_ids`` without those past ``position_by_id`` (products made since the index): none for sale."""
        ids = product_ids if isinstance(product_ids, (list, set, frozenset)) else list(product_ids)
        if ids and (min(ids) < 0 or max(ids) >= len(self.position_by_id)):
            return [i for i in ids if 0 <= i < len(self.position_by_id)]
        return ids

    def search_bits(self, term: str, matched_ids, first_ids) -> tuple[int, int, int]:
        """A search term's bits from the ids of the products it matches (``matched_ids``, read from the full-text
        index) and of those whose search text starts with " term" (``first_ids``: their name starts with the
        term, relevance 2 in ``search_index.relevance``): those products, those of them that start with the
        term, and the others whose name, lowered by the database, holds the term (``lower(name) LIKE '%term%'``,
        relevance 1; the term is letters and digits). That test runs on the index's ``names`` at C speed, no
        Python step per product: on the matches only, or on every product when the matches are more than a
        quarter of them (a test of all at once costs less per product than picking out the matches)."""
        size = self.size
        matched = self.bits_of_ids(matched_ids)
        two = self.bits_of_ids(first_ids) & matched
        if len(matched_ids) * 4 < size:
            positions = self.positions_of_ids(matched_ids)
            names = map(self.names.__getitem__, positions)
            holds = _bits_at(compress(positions, map(operator.contains, names, repeat(term))), size)
        else:
            holds = _bits_from_text(bytes(map(operator.contains, self.names, repeat(term))).translate(_ZERO_ONE))
        return matched, two, holds & matched & ~two

    def run_counts(self, bits: int) -> dict[int, int]:
        """Per producer, how many of its products are in ``bits`` (only those with some)."""
        size = self.size
        text = bit_text(bits, size)
        counts = {}
        for producer_id, (start, end) in self.producer_runs.items():
            n = text.count(ONE, size - end + 1, size - start + 1)  # positions start ... end - 1
            if n:
                counts[producer_id] = n
        return counts

    def page_in_recommended_order(self, bits: int, offset: int, limit: int, *, reverse: bool = False) -> list[int]:
        """The product ids of ``bits`` from ``offset``, at most ``limit``, in the recommended order (featured first,
        then in stock before sold out, then by name and id), or in its reverse (from which a page in the second
        half is read). The order is ``by_featured`` read four times: featured in stock, featured sold out, the
        others in stock, the others sold out; so a change of stock needs no new order."""
        count = self.featured
        first = bits & self.featured_bits
        rest = bits & ~self.featured_bits
        # Read by the products in stock (or sold out) of ``bits``, the same bits for the featured and the others:
        # ``by_featured[:count]`` holds the featured positions only, the rest the others (one text for two parts).
        stocked, sold_out = bits & self.in_stock, bits & ~self.in_stock
        return self.page([("by_featured", 0, count, first & self.in_stock, stocked),
                          ("by_featured", 0, count, first & ~self.in_stock, sold_out),
                          ("by_featured", count, self.size, rest & self.in_stock, stocked),
                          ("by_featured", count, self.size, rest & ~self.in_stock, sold_out)], offset, limit,
                         reverse=reverse)

    def page(self, segments: list[tuple], offset: int, limit: int, *, reverse: bool = False) -> list[int]:
        """The product ids from ``offset``, at most ``limit``, of the segments read one after the other (or all in
        reverse): each the positions ``order[start:stop]`` of an order (``by_name``, ``by_featured``) that are in
        its bits, ``(name, start, stop, bits)``, optionally with bits to read them by (the same at those positions,
        shared by segments: one text of them). The order is read in blocks of ``CHUNK`` positions: a whole block
        skipped is counted with its bits (``blocks``), only the block the page starts in is read position by
        position, ``STEP`` positions at a time until the page is full."""
        if reverse:
            segments = segments[::-1]
        found: list[int] = []
        skip = offset
        texts: dict[int, bytes] = {}
        mirror = self.size.__sub__  # a position's place in a bit_text
        for name, first, stop, part, *reading in segments:
            if len(found) >= limit:
                break
            n = part.bit_count()
            if n <= skip:
                skip -= n
                continue
            order, blocks = getattr(self, name), self.blocks[name]
            read_by = reading[0] if reading else part
            text = None
            numbers = range(first // CHUNK, (stop - 1) // CHUNK + 1)
            for number in reversed(numbers) if reverse else numbers:
                low, high = max(first, number * CHUNK), min(stop, (number + 1) * CHUNK)
                whole = low == number * CHUNK and high == min(len(order), (number + 1) * CHUNK)
                if whole:
                    here = (part & blocks[number]).bit_count()
                    if here <= skip:
                        skip -= here
                        continue
                positions = order[low:high]
                if reverse:
                    positions.reverse()
                if text is None:
                    text = texts.get(id(read_by))
                    if text is None:
                        text = texts[id(read_by)] = bit_text(read_by, self.size)
                for step in range(0, len(positions), STEP):
                    piece = positions[step:step + STEP]
                    flags = bytes(map(text.__getitem__, map(mirror, piece)))
                    here = flags.count(ONE)
                    if here <= skip:
                        skip -= here
                        continue
                    at = -1
                    while len(found) < limit:
                        at = flags.find(ONE, at + 1)
                        if at < 0:
                            break
                        if skip:
                            skip -= 1
                            continue
                        found.append(self.product_ids[piece[at]])
                    if len(found) >= limit:
                        break
                if len(found) >= limit:
                    break
        return found

    def ids_in(self, bits: int, ordered_ids) -> list[int]:
        """Of ``ordered_ids`` (product ids), those whose position is in ``bits``, in their order."""
        size = self.size
        text = bit_text(bits, size)
        get = self.position_of.get
        return [product_id for product_id, p in zip(ordered_ids, map(get, ordered_ids), strict=True)
                if p is not None and text[size - p] == ONE]


_ZERO_ONE = bytes.maketrans(b"\x00\x01", b"01")
_FLAG_BYTES = bytes.maketrans(b"01", b"\x00\x01")  # for compress(): "1" selects
_NOT_FLAG_BYTES = bytes.maketrans(b"01", b"\x01\x00")


# --- the build ----------------------------------------------------------------------------------------------

def _concat(dialect: str, expression, separator: str = ","):
    if dialect == "postgresql":
        return func.string_agg(cast(expression, String), separator)
    return func.group_concat(expression, separator)


def _build_statement(dialect: str, month: int):
    """One statement for everything the index holds but the objects: rows of (kind, k1, k2, k3, t1 ... t7).

    - ``product``: per (producer, category) of the products in any status: producer, category, -, their ids, in
      stock ("1"/"0" each), in season this month ("1"/"0"), prices, featured ("1"/"0"), the names as
      ``lower(name)`` (separated by ``NAME_SEPARATOR``), for sale (published: "1"/"0");
    - ``producer``: per active producer: id, municipality, region, slug, its labels;
    - ``allergen``: per allergen: -, -, -, code, the products that contain it or may contain it;
    - ``label``: per label: label, -, -, -, the products that have it themselves;
    - ``byname``: the products' ids by name and id (with the featured flags, the recommended order but for the
      stock, which changes too often to read this order again after each change).

    Products in every status, not only those for sale: a product hidden and published again keeps its position
    and its places in the orders (a flip of its bit in ``for_sale``), where a product without a position would need
    the index built again. Those not for sale are few (4 % of the bench's catalogue).
    """
    no_int = cast(null(), Integer)
    no_text = cast(null(), String)
    rows = (
        select(Product.id, Product.producer_id, Product.category_id, Product.stock, Product.season_mask,
               Product.price_cents, Product.featured, Product.status,
               # The separator inside a name as a space: either breaks a match of a term (letters and digits).
               func.replace(func.lower(Product.name), NAME_SEPARATOR, " ").label("lowered"))
        .order_by(Product.producer_id, Product.category_id, Product.id)
        .subquery()
    )
    month_bit = 1 << (month - 1)
    stock_flag = cast(rows.c.stock > 0, Integer)
    season_flag = cast(rows.c.season_mask.op("&")(month_bit) != 0, Integer)
    sale_flag = cast(rows.c.status == ProductStatus.PUBLISHED, Integer)
    products = (
        select(literal("product"), rows.c.producer_id, rows.c.category_id, no_int,
               _concat(dialect, rows.c.id), _concat(dialect, stock_flag, ""), _concat(dialect, season_flag, ""),
               _concat(dialect, rows.c.price_cents), _concat(dialect, cast(rows.c.featured, Integer), ""),
               _concat(dialect, rows.c.lowered, NAME_SEPARATOR), _concat(dialect, sale_flag, ""))
        .group_by(rows.c.producer_id, rows.c.category_id)
    )
    producer_label_list = (
        select(_concat(dialect, producer_labels.c.label_id))
        .where(producer_labels.c.producer_id == Producer.id)
        .scalar_subquery()
    )
    producers = (
        select(literal("producer"), Producer.id, Producer.municipality_id, Municipality.region_id, Producer.slug,
               producer_label_list, no_text, no_text, no_text, no_text, no_text)
        .join(Municipality, Producer.municipality_id == Municipality.id)
        .where(Producer.active.is_(True))
    )
    allergens = (
        select(literal("allergen"), no_int, no_int, no_int, cast(ProductAllergen.allergen, String),
               _concat(dialect, ProductAllergen.product_id), no_text, no_text, no_text, no_text, no_text)
        .group_by(ProductAllergen.allergen)
    )
    labels = (
        select(literal("label"), product_labels.c.label_id, no_int, no_int, no_text,
               _concat(dialect, product_labels.c.product_id), no_text, no_text, no_text, no_text, no_text)
        .group_by(product_labels.c.label_id)
    )
    keys = (Product.name, Product.id)

    if dialect == "postgresql":  # string_agg keeps an order only when told
        ids = func.string_agg(cast(Product.id, String), aggregate_order_by(literal_column("','"), *keys))
        order = select(literal("byname"), no_int, no_int, no_int, ids, no_text, no_text, no_text, no_text,
                       no_text, no_text)
    else:  # group_concat takes the rows in the order of the sub-select (the tests compare the pages with SQL's)
        ordered = select(Product.id).order_by(*keys).subquery()
        order = select(literal("byname"), no_int, no_int, no_int, _concat(dialect, ordered.c.id), no_text, no_text,
                       no_text, no_text, no_text, no_text)
    return union_all(products, producers, allergens, labels, order)


_IS_POSITION = partial(is_not, None)  # a product with a position (filter() at C speed; 0 is a position too)


def _positions(position_of: dict[int, int], ids: str | None):
    """The positions of the products listed in ``ids`` ("1,2,3") that are for sale, in their order."""
    return filter(_IS_POSITION, map(position_of.get, map(int, ids.split(",")))) if ids else iter(())


def _ints(texts) -> array:
    joined = ",".join(t for t in texts if t)
    return array("q", map(int, joined.split(","))) if joined else array("q")


def build_index(generation: str, month: int, seq: int = 0, anchor: str | None = None) -> FacetIndex:
    """Read the catalogue and make its index (see the module's docstring). Four statements, in a session of their
    own: the categories, places and labels the index keeps are detached from it (never from the caller's session,
    whose objects may refer to the same rows)."""
    with Session(db.engine) as session:
        categories = list(session.scalars(
            select(Category).order_by(Category.position, Category.name, Category.id)))
        places = list(session.scalars(select(Municipality).options(joinedload(Municipality.region))))
        labels = list(session.scalars(select(Label)))
        dialect = session.get_bind().dialect.name
        rows = session.execute(_build_statement(dialect, month)).all()

    producer_rows = {}
    groups = []
    allergen_rows = []
    label_rows = []
    order_text = ""
    for kind, k1, k2, k3, t1, t2, t3, t4, t5, t6, t7 in rows:
        if kind == "product":
            groups.append((k1, k2, t1, t2, t3, t4, t5, t6, t7))
        elif kind == "producer":
            producer_rows[k1] = (k2, k3, t1, t2)
        elif kind == "allergen":
            allergen_rows.append((t1, t2))
        elif kind == "label":
            label_rows.append((k1, t2))
        elif kind == "byname":
            order_text = t1 or ""

    # Products of active producers only, run by run: producer by producer, category by category.
    groups = [g for g in groups if g[0] in producer_rows]
    groups.sort(key=lambda g: (g[0], g[1]))
    product_ids = _ints(g[2] for g in groups)
    size = len(product_ids)
    prices = _ints(g[5] for g in groups)
    position_of = dict(zip(product_ids, range(size), strict=True))
    position_by_id = array("i", [size]) * (max(product_ids) + 1 if size else 0)
    deque(map(position_by_id.__setitem__, product_ids, range(size)), maxlen=0)
    in_stock = _bits_from_text("".join(g[3] for g in groups))
    in_season = _bits_from_text("".join(g[4] for g in groups))
    for_sale = _bits_from_text("".join(g[8] for g in groups))
    featured_flags = "".join(g[6] for g in groups).encode()
    names = NAME_SEPARATOR.join(g[7] for g in groups).split(NAME_SEPARATOR) if groups else []
    if len(names) != size:
        raise RuntimeError(f"facet index: {len(names)} names for {size} products")

    producer_runs: dict[int, tuple[int, int]] = {}
    category_runs: dict[int, list[tuple[int, int]]] = {}
    start = 0
    for producer_id, category_id, _ids, stock_flags, *_rest in groups:
        end = start + len(stock_flags)
        first, _ = producer_runs.get(producer_id, (start, end))
        producer_runs[producer_id] = (first, end)
        category_runs.setdefault(category_id, []).append((start, end))
        start = end
    category_bits = {}
    for category_id, runs in category_runs.items():
        bits = 0
        for run in runs:
            bits |= range_bits(*run)
        category_bits[category_id] = bits

    # Labels: the products' own, then every product of a producer that has the label.
    label_bits = {label_id: 0 for label_id in (label.id for label in labels)}
    for label_id, ids in label_rows:
        label_bits[label_id] = label_bits.get(label_id, 0) | _bits_at(
            _positions(position_of, ids), size)
    producer_places = {}
    producer_slugs = {}
    for producer_id, (municipality_id, region_id, slug, label_list) in producer_rows.items():
        producer_places[producer_id] = (municipality_id, region_id)
        producer_slugs[slug] = producer_id
        run = producer_runs.get(producer_id)
        if run is not None and label_list:
            for label_id in map(int, label_list.split(",")):
                label_bits[label_id] = label_bits.get(label_id, 0) | range_bits(*run)

    allergen_bits = {}
    for code, ids in allergen_rows:
        allergen_bits[str(code)] = _bits_at(
            _positions(position_of, ids), size)

    by_name = array("q", _positions(position_of, order_text))
    by_featured, featured = _featured_order(by_name, featured_flags)
    featured_bits = _bits_from_text(featured_flags)
    blocks = {name: _blocks(order, size) for name, order in (("by_name", by_name), ("by_featured", by_featured))}
    index = FacetIndex(
        generation=generation, month=month, size=size, categories=categories, places=places, labels=labels,
        product_ids=product_ids, position_of=position_of, position_by_id=position_by_id, prices=prices,
        producer_runs=producer_runs,
        producer_places=producer_places, producer_slugs=producer_slugs, category_bits=category_bits,
        label_bits=label_bits, allergen_bits=allergen_bits, in_stock=in_stock, in_season=in_season, for_sale=for_sale,
        by_name=by_name, names=names, by_featured=by_featured, blocks=blocks, featured=featured,
        featured_bits=featured_bits, seq=seq, anchor=anchor,
    )
    index.sizes = _sizes(index)
    return index


def _featured_order(by_name: array, featured_flags: bytes) -> tuple[array, int]:
    """The recommended order but for the stock (``by_featured``): the featured positions by name, then the others by
    name; and how many are featured. ``featured_flags`` holds "0"/"1" per position."""
    flags = bytes(map(featured_flags.__getitem__, by_name))  # ord("0") or ord("1") per position, by name
    featured = array("q", compress(by_name, flags.translate(_FLAG_BYTES)))
    return featured + array("q", compress(by_name, flags.translate(_NOT_FLAG_BYTES))), len(featured)


def _blocks(order: array, size: int, kept: list[int] | None = None, old: array | None = None) -> list[int]:
    """The bits of each ``CHUNK`` of an order's positions; those of ``kept`` where ``old`` (the order they are of)
    holds the same positions in that chunk."""
    return [kept[n] if kept is not None and old is not None and n < len(kept)
            and old[start:start + CHUNK] == order[start:start + CHUNK] else _bits_at(order[start:start + CHUNK], size)
            for n, start in enumerate(range(0, len(order), CHUNK))]


def _sizes(index: FacetIndex, facets: tuple[str, ...] | None = None) -> dict[str, dict[Any, int]]:
    """How many products for sale each value of ``facets`` (default: every facet) has (``FacetIndex.sizes``)."""
    facets = facets or ("categorie", "label", "zonder", "producent")
    for_sale = index.for_sale
    sizes = {}
    for facet, values in (("categorie", index.category_bits), ("label", index.label_bits),
                          ("zonder", index.allergen_bits)):
        if facet in facets:
            sizes[facet] = {key: n for key, bits in values.items() if (n := (bits & for_sale).bit_count())}
    if "producent" in facets:
        sizes["producent"] = index.run_counts(for_sale)
    return sizes


# --- the change log: which products' stock changed, per generation ------------------------------------------

class ChangeLog:
    """Notes of the catalogue's changes, one per new generation, numbered without gaps: ``(seq, token, ids)``
    where ``ids`` lists the products whose stock changed ("1,2,3"), then after a "/" the products whose other
    fields the index brings up to date per product changed ("1,2/7,8"), or is "x" for any other change (the index
    is then built again). Kept beside the generation: in Redis (a list and its counter, written at once by a
    script) or in a file (appended under a lock); the last ``KEEP`` notes only, so a process that falls further
    behind builds its index again. Named "changes2" since the "/" part: a process of the code before it, still
    running beside a new one while instances are replaced, finds no note in the new place and builds its index
    again instead of failing on a note it cannot read."""

    KEEP = 1000
    _APPEND = """
        local n = redis.call('INCR', KEYS[1])
        redis.call('RPUSH', KEYS[2], n .. ' ' .. ARGV[1])
        redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
        return n
    """

    def __init__(self, generation):
        self.client = getattr(generation, "client", None)
        if self.client is not None:
            self.seq_key, self.list_key = generation.key + ":changes2:seq", generation.key + ":changes2"
        else:
            self.path = generation.path + ".changes2"

    MAX_FILE_BYTES = 256 * 1024

    @staticmethod
    def _parse(line: str) -> tuple[int, str, str]:
        seq, token, ids = (line.split(" ") + [""])[:3]
        return int(seq), token, ids

    @staticmethod
    def changed(ids: str) -> tuple[set[int], set[int]] | None:
        """A note's products whose stock changed and those changed otherwise, per product ("1,2/7"); None for a
        change the index is built again for ("x")."""
        if ids == "x":
            return None
        stock, _, products = ids.partition("/")
        return {int(i) for i in stock.split(",") if i}, {int(i) for i in products.split(",") if i}

    def append(self, token: str, stock_ids: set[int] | None, product_ids: set[int] | frozenset = frozenset()) -> None:
        if stock_ids is None:
            ids = "x"
        else:
            ids = ",".join(map(str, sorted(stock_ids)))
            if product_ids:
                ids += "/" + ",".join(map(str, sorted(product_ids)))
        note = f"{token} {ids}"
        if self.client is not None:
            self.client.eval(self._APPEND, 2, self.seq_key, self.list_key, note, self.KEEP)
            return
        import fcntl

        with open(self.path, "a+", encoding="ascii") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - 65536))
            tail = file.read().splitlines()
            if size > 65536 and len(tail) < 2:  # a last note longer than the tail read
                file.seek(0)
                tail = file.read().splitlines()
            seq = self._parse(tail[-1])[0] + 1 if tail else 1
            if size > self.MAX_FILE_BYTES:  # rewritten with the last ones (readers open the file anew each time)
                file.seek(0)
                kept = file.read().splitlines()[-self.KEEP:]
                temporary = f"{self.path}.{os.getpid()}"
                with open(temporary, "w", encoding="ascii") as rest:
                    rest.write("".join(line + "\n" for line in kept) + f"{seq} {note}\n")
                os.replace(temporary, self.path)
                return
            file.write(f"{seq} {note}\n")

    def notes(self, last: int | None = None) -> list[tuple[int, str, str]]:
        """The notes kept, oldest first (the ``last`` ones only, if given)."""
        if self.client is not None:
            lines = [line.decode() if isinstance(line, bytes) else line
                     for line in self.client.lrange(self.list_key, -last if last else 0, -1)]
        else:
            try:
                with open(self.path, encoding="ascii") as file:
                    lines = file.read().splitlines()
            except FileNotFoundError:
                lines = []
            lines = lines[-last:] if last else lines
        return [self._parse(line) for line in lines if line]


def _change_log() -> ChangeLog | None:
    cache = current_app.extensions.get("page_cache")
    if cache is None:
        return None
    log = current_app.extensions.get(EXTENSION + ".log")
    if log is None or log.generation is not cache.generation:
        log = ChangeLog(cache.generation)
        log.generation = cache.generation
        current_app.extensions[EXTENSION + ".log"] = log
    return log


# What a writer's transaction changed, noted by the session's events below: the products whose stock changed (by
# their stock movements, which every change of stock writes: shop.inventory), the products changed otherwise in a
# way the index brings up to date per product (``PER_PRODUCT``), and whether anything else of the products changed.
# The catalogue's other tables show in the names the page cache collects.
STOCK_IDS = "catalog.facet_index.stock_ids"
PRODUCT_IDS = "catalog.facet_index.product_ids"
OTHER_CHANGE = "catalog.facet_index.other_change"
# An execution option by which a writer's UPDATE of products names the products it may change (a conditional UPDATE
# of one product, the review's): with columns the index follows per product, they are read again instead of the
# index being built again (``.execution_options(**{CHANGED_PRODUCTS: (product.id,)})``).
CHANGED_PRODUCTS = "catalog_facet_index_changed_products"
# What the page cache names a change by: its tables, or "stock" when a stock writer (shop.inventory) judged that a
# sale or correction changes what a page shows (the tables it wrote are not named then).
STOCK_ONLY_TABLES = frozenset({"products", "stock_movements", "stock"})
STOCK_COLUMNS = frozenset({"stock", "updated_at"})
# A product's attributes (columns and relationships) whose change the index follows per product: it reads the
# product's status (for sale or not), featured flag, stock, price, season, allergens and labels again
# (``_brought_up_to_date``), and its matches of the search terms it keeps; the rest of them the index does not
# hold. Not here, so built again: what decides a product's position or its place in the order by name (producer,
# category, name), and what nobody has needed here yet (the slug, created_at). A new column the build reads must
# be read by ``_brought_up_to_date`` too before it is named here.
PER_PRODUCT = STOCK_COLUMNS | frozenset({
    "status", "featured",
    "price_cents", "season_mask", "search_text", "description", "translations", "unit", "net_quantity", "net_unit",
    "is_food", "ingredients", "storage", "alcohol_pct", "origin", "shelf_life_days", "perishable", "review_note",
    "vat_category_id", "vat_category", "labels", "allergens", "images",
})
# The catalogue's tables the index holds nothing of (the images, VAT, packages): a change of them alone leaves it as
# it is. With those of the changes noted per product (the products' rows, their stock, allergens and own labels),
# the index is brought up to date; any other table (producers, places, categories, labels, ...) builds it again.
INDEX_NEUTRAL_TABLES = frozenset({"product_images", "vat_categories", "vat_rates", "packages", "package_components",
                                  "occasions", "package_occasions"})
PER_PRODUCT_TABLES = STOCK_ONLY_TABLES | INDEX_NEUTRAL_TABLES | frozenset({"product_allergens", "product_labels"})


def _table_name(obj) -> str | None:
    table = getattr(obj, "__table__", None)
    return getattr(table, "name", None)


def _allergen_product_id(obj) -> int | None:
    """The product of a ProductAllergen row (a new one has its key from its product only at the flush)."""
    if obj.product_id is not None:
        return obj.product_id
    product = obj.product
    return product.id if product is not None else None


@event.listens_for(Session, "before_flush")
def _note_flush(session: Session, _context, _instances) -> None:
    info = session.info
    for obj in session.new:
        name = _table_name(obj)
        if name == "stock_movements":
            info.setdefault(STOCK_IDS, set()).add(obj.product_id)
        elif name == "products":
            info[OTHER_CHANGE] = True
    for obj in (*session.new, *session.dirty, *session.deleted):
        if _table_name(obj) == "product_allergens":
            product_id = _allergen_product_id(obj)
            if product_id is None:
                info[OTHER_CHANGE] = True
            else:
                info.setdefault(PRODUCT_IDS, set()).add(product_id)
    for obj in session.dirty:
        if _table_name(obj) == "products":
            state = inspect(obj)
            changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
            if changed <= STOCK_COLUMNS:
                info.setdefault(STOCK_IDS, set()).add(obj.id)
            elif changed <= PER_PRODUCT:
                info.setdefault(PRODUCT_IDS, set()).add(obj.id)
            else:
                info[OTHER_CHANGE] = True
    if any(_table_name(obj) == "products" for obj in session.deleted):
        info[OTHER_CHANGE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    name = getattr(getattr(state.statement, "table", None), "name", None)
    if name == "products":
        # The UPDATE's VALUES (SQLAlchemy has no public getter): without them (an upgrade) any change counts as
        # more than stock, so every page is drawn again; tests/core/test_library_internals.py notices it.
        values = getattr(state.statement, "_values", None) or {}
        columns = {getattr(column, "key", column) for column in values}
        named = state.execution_options.get(CHANGED_PRODUCTS)
        if state.is_update and columns and columns <= STOCK_COLUMNS:
            pass
        elif state.is_update and named and columns and columns <= PER_PRODUCT:
            state.session.info.setdefault(PRODUCT_IDS, set()).update(named)
        else:
            state.session.info[OTHER_CHANGE] = True
    elif name == "stock_movements" and state.is_insert:
        rows = state.parameters
        rows = rows if isinstance(rows, list | tuple) else [rows]
        try:
            state.session.info.setdefault(STOCK_IDS, set()).update(int(row["product_id"]) for row in rows)
        except (KeyError, TypeError, ValueError):
            state.session.info[OTHER_CHANGE] = True
    elif name in ("product_allergens", "product_labels"):  # rows of products not named: built again
        state.session.info[OTHER_CHANGE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_notes(session: Session, transaction) -> None:
    if transaction.parent is None:  # after the page cache's announcement, which read them
        session.info.pop(STOCK_IDS, None)
        session.info.pop(PRODUCT_IDS, None)
        session.info.pop(OTHER_CHANGE, None)


@before_generation_bump
def _log_change(token: str, what: set[str], session: Session | None) -> None:
    """A note for the new generation: the products whose stock changed and those changed otherwise per product,
    when nothing else the list shows did."""
    log = _change_log()
    if log is None:
        return
    info = session.info if session is not None else {}
    stock_ids, product_ids = info.get(STOCK_IDS) or set(), info.get(PRODUCT_IDS) or set()
    if info.get(OTHER_CHANGE) or not what <= PER_PRODUCT_TABLES:
        log.append(token, None)
    elif not stock_ids and not product_ids and not what <= INDEX_NEUTRAL_TABLES:
        log.append(token, None)  # the products' tables (or "stock") named, no product noted: not known which
    else:
        log.append(token, set(stock_ids), set(product_ids))


# --- kept per process ---------------------------------------------------------------------------------------

_lock = threading.Lock()
EXTENSION = "catalog.facet_index"
BUILDING = EXTENSION + ".building"  # the thread building an index in the background, while it runs
RECENT_NOTES = 64  # read first; all of them only when the index is further behind
MAX_PER_PRODUCT = 2000  # products changed but their stock that are read again; more (an import) build it again
logger = logging.getLogger(__name__)


def _session_has_own_changes() -> bool:
    session = db.session
    return bool(session.info.get(PENDING) or session.new or session.dirty or session.deleted)


def _notes_since(log_: ChangeLog, kept: FacetIndex | None, generation: str) -> list[tuple[int, str, str]]:
    """The change log's recent notes, or all of them when ``kept`` is older than the recent ones."""
    notes = log_.notes(RECENT_NOTES)
    if kept is not None and (not notes or kept.seq < notes[0][0]
                             or generation not in {token for _, token, _ in notes}):
        notes = log_.notes()
    return notes


def usable_index(month: int, *, in_background: bool | None = None) -> FacetIndex | None:
    """The index of the current generation and ``month``; None when it cannot be known to be exact: the
    catalogue's generation is unknown (Redis unreachable), this session holds changes of its own, not yet
    committed (their generation is not announced until the end of its transaction), or the index is being built.

    The index kept in this process serves while the generation is the same. After a change it is brought up to date
    from the change log when every change since it was made names the products it changed per product (a sale, a
    price, ...: those products are read again, see ``_brought_up_to_date``), else built again: also when the current generation has no note (a change announced without
    one), when notes are missing (more than ``ChangeLog.KEEP`` behind) or for another month. The build runs in a
    thread of its own (``FACET_INDEX_IN_BACKGROUND``, see ``_build_in_background``) and None is answered until
    it is done: the list counts with SQL meanwhile. With the setting off (the tests), or ``in_background=False``
    (gunicorn's arbiter before the fork, ``build_before_fork``), it is built here."""
    cache = current_app.extensions.get("page_cache")
    if cache is None or _session_has_own_changes():
        return None
    generation = cache.generation.read()  # before the reads below: a change after it makes a new generation
    if generation is None:
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    kept = app.extensions.get(EXTENSION)
    if kept is not None and kept.generation == generation and kept.month == month:
        return kept
    with _lock:
        kept = app.extensions.get(EXTENSION)
        if kept is not None and kept.generation == generation and kept.month == month:
            return kept
        building = app.extensions.get(BUILDING)
        if building is not None and building.is_alive():
            return None  # one build at a time; the list counts with SQL until it is done
        try:
            notes = _notes_since(_change_log(), kept, generation)
        except Exception:  # noqa: BLE001 - Redis unreachable since the generation was read: no index now
            return None
        index = _brought_up_to_date(kept, generation, month, notes) if kept is not None else None
        if index is None:
            last = notes[-1] if notes else (0, None, None)
            if in_background is None:
                in_background = app.config.get("FACET_INDEX_IN_BACKGROUND", True)
            # One line per build, written before it starts: a worker that builds although it inherited an index
            # shows here (tests/serving/test_index_before_fork.py reads it).
            logger.info("facet index: building %s in process %d (%s)", "in a thread" if in_background else "here",
                        os.getpid(), "no index yet" if kept is None else "the change log cannot bring it up to date")
            if in_background:
                thread = threading.Thread(target=_build_in_background, name="facet-index-build", daemon=True,
                                          args=(app, generation, month, last[0], last[1]))
                app.extensions[BUILDING] = thread
                thread.start()
                return None
            index = build_index(generation, month, last[0], last[1])
        app.extensions[EXTENSION] = index
        return index


def _build_in_background(app, generation: str, month: int, seq: int, anchor: str | None) -> None:
    """Build the index of ``generation`` (read by the request that started this thread, before the change log and
    before every read of the build) and keep it, unless it is stale by then: a change the index does not follow per
    product was announced since ``generation`` (its reads may or may not hold that change), so it is dropped unused
    and the next list starts a new build. Changes it follows per product (a sale, a price) are no reason to drop it
    (at 100 times the demo catalogue a build takes seconds, and sales are frequent): the first list that uses it
    brings it up to date from the change log (``_brought_up_to_date``), as for an index kept since before them.

    The thread has its own app context and its own session and connection (``build_index``), never a request's."""
    try:
        with app.app_context():
            started = time.perf_counter()
            index = build_index(generation, month, seq, anchor)
            logger.info("facet index: %d products built in a thread in %.2f s, process %d", index.size,
                        time.perf_counter() - started, os.getpid())
            cache = app.extensions.get("page_cache")
            current = cache.generation.read() if cache is not None else None
            with _lock:
                if current == generation or (current is not None and _only_per_product_changes_since(
                        index, current, _notes_since(_change_log(), index, current))):
                    app.extensions[EXTENSION] = index
    except Exception:  # noqa: BLE001 - a failed build leaves the SQL path serving; the next list tries again
        logger.exception("the facet index could not be built")
    finally:
        with _lock:
            if app.extensions.get(BUILDING) is threading.current_thread():
                del app.extensions[BUILDING]


def start_building(app) -> None:
    """Make this process's index usable before its first request (gunicorn's ``post_worker_init``): the index
    inherited from the arbiter (``build_before_fork``) is checked against the catalogue's generation and brought up
    to date from the change log here (per product: milliseconds); without one, or when the notes cannot be followed,
    a build starts in the background, so that the lists a new worker serves are counted from the index as soon as it
    is done, not each by SQL until a visitor's list starts the build. Nothing when builds run in requests
    (``FACET_INDEX_IN_BACKGROUND`` off). A failure is logged: the lists count with SQL and the next one tries again."""
    if not app.config.get("FACET_INDEX_IN_BACKGROUND", True):
        return
    try:
        with app.app_context():
            usable_index(shop_today().month)
            db.session.remove()
    except Exception:  # noqa: BLE001 - never stop a worker from starting
        logger.exception("the facet index's first build could not be started")


def build_before_fork(app) -> bool:
    """Build this process's index now, in this thread, then close every database and Redis connection it opened:
    for gunicorn's arbiter, which loads the app before it forks its workers (``preload_app``). Each worker then
    starts with this index and treats it as it treats any index it kept: current while the catalogue's generation
    is the one it was built at, else brought up to date from the change log at its first use (per product), or built
    again when the notes since cannot be followed (a change it does not follow per product, a note dropped as too
    old, a Redis that started again) or the month changed (``usable_index``). So a start costs one build instead of
    one per worker, and a worker the arbiter replaces later (a crash, a timeout, ``max_requests``) builds nothing
    unless the catalogue changed in a way it cannot follow since.

    No thread is started and no lock is held when this returns, so forking afterwards is safe; the connections are
    closed, not just forgotten, as no worker exists yet to share them. False (with a warning) when no index could be
    built (the database or Redis unreachable, a statement timed out): the workers then build their own, as
    ``start_building`` does. Never raises."""
    index = None
    started, cpu = time.perf_counter(), time.process_time()
    try:
        with app.app_context():
            try:
                log_ = _change_log()
                if log_ is not None and not log_.notes(1):
                    # An empty change log (a new instance folder, an emptied Redis): a note that changes nothing, so
                    # that the index has a note to be anchored at. An index made at no note is built again at the
                    # first change (whether notes were lost before it cannot be known), and this one would be built
                    # again by every worker forked after that change. Its token is no generation's.
                    log_.append(f"anchor-{uuid.uuid4().hex}", set())
                index = usable_index(shop_today().month, in_background=False)
            finally:
                db.session.remove()
                for engine in db.engines.values():
                    engine.dispose()
                cache = app.extensions.get("page_cache")
                if cache is not None:
                    cache.generation.close()
    except Exception as error:  # noqa: BLE001 - the shop starts anyway; each worker builds its own
        logger.warning("facet index: not built before the workers start (%s: %s); each worker builds its own",
                       type(error).__name__, error)
        return False
    if index is None:  # the generation could not be read (Redis unreachable): nothing to key an index by
        logger.warning("facet index: not built before the workers start (the catalogue's generation is unknown); "
                       "each worker builds its own")
        return False
    logger.info("facet index: %d products built before the workers start, in %.2f s (%.2f s of CPU), process %d",
                index.size, time.perf_counter() - started, time.process_time() - cpu, os.getpid())
    return True


def wait_for_build(app, timeout: float | None = None) -> bool:
    """Wait until the index being built in the background for ``app`` (if any) is done; False on a timeout. For the
    tests and the bench: a request never waits for a build."""
    thread = app.extensions.get(BUILDING)
    if thread is not None:
        thread.join(timeout)
        return not thread.is_alive()
    return True


def _only_per_product_changes_since(index: FacetIndex, generation: str, notes: list[tuple[int, str, str]]) -> bool:
    """Whether every change from ``index``'s note to ``generation`` is noted as one the index follows per product."""
    return _changes_since(index, generation, notes) is not None


def _changes_since(index: FacetIndex, generation: str, notes: list[tuple[int, str, str]]
                   ) -> tuple[set[int], set[int], tuple[int, str, str]] | None:
    """The products whose stock changed since ``index`` was made, those changed otherwise per product, and the last
    note, up to ``generation``; None when something else changed, or when that cannot be known from the notes."""
    if index.anchor is None or generation not in {token for _, token, _ in notes}:
        return None
    # The note the index was made at must still be there (not dropped as too old, nor lost with a Redis that
    # started again, which numbers its notes from 1 again): the notes after it are then every change since.
    at = next((n for n, (seq, token, _) in enumerate(notes) if seq == index.seq and token == index.anchor), None)
    if at is None:
        return None
    newer = notes[at + 1:]
    stock: set[int] = set()
    products: set[int] = set()
    for _, _, ids in newer:
        changed = ChangeLog.changed(ids)
        if changed is None:
            return None
        stock |= changed[0]
        products |= changed[1]
    return stock - products, products, (newer[-1] if newer else notes[at])


def _set_bit(bits: int, position: int, on: bool) -> int:
    return bits | (1 << position) if on else bits & ~(1 << position)


def _brought_up_to_date(kept: FacetIndex, generation: str, month: int,
                        notes: list[tuple[int, str, str]]) -> FacetIndex | None:
    """``kept`` with the changes noted since it was made, or None when it must be built again: the stock of the
    products whose stock changed (one statement), and for those changed otherwise per product (``PER_PRODUCT``)
    their row, allergens and labels (two statements) and their matches of the search terms kept (one). A product
    whose row no longer fits its place in the index (its producer or category changed, which a note never says it
    did), or for sale without a position, has the index built again."""
    since = _changes_since(kept, generation, notes) if kept.month == month else None
    if since is None:
        return None
    stock_changed, changed, last = since
    if len(changed) > MAX_PER_PRODUCT:
        return None
    in_stock = kept.in_stock
    if stock_changed:
        rows = db.session.execute(select(Product.id, Product.stock).where(Product.id.in_(sorted(stock_changed)))).all()
        for product_id, stock in rows:
            position = kept.position_of.get(product_id)
            if position is not None:
                in_stock = _set_bit(in_stock, position, stock > 0)
    index = replace(kept, generation=generation, in_stock=in_stock, seq=last[0], anchor=last[1])
    if changed and not _apply_product_changes(index, sorted(changed)):
        return None
    return index


def _apply_product_changes(index: FacetIndex, product_ids: list[int]) -> bool:
    """Bring ``index`` (a copy whose shared parts are replaced here before they change) up to date for these
    products' rows, allergens and labels; False when a product's place in the index is not what its row says (its
    producer or category changed, which a note never says, or it has no position: new since the build).

    Its status moves its bit in ``for_sale`` only (every product of an active producer has a position), its
    featured flag its bit in ``featured_bits`` and its place in ``by_featured`` (the featured ones by name, then
    the others by name: read again from ``by_name``, which does not change)."""
    published = ProductStatus.PUBLISHED
    rows = db.session.execute(
        select(Product.id, Product.status, Product.producer_id, Product.category_id, Product.featured, Product.stock,
               Product.price_cents, Product.season_mask).where(Product.id.in_(product_ids))).all()
    positions: dict[int, int] = {}
    producer_of: dict[int, int] = {}
    prices = None  # a copy of the index's prices, made at the first that changed (the kept index shares them)
    for_sale, featured_bits = index.for_sale, index.featured_bits
    for product_id, status, producer_id, category_id, featured, stock, price, season_mask in rows:
        position = index.position_of.get(product_id)
        if position is None:
            if status == published and producer_id in index.producer_places:
                return False  # for sale now, without a place in the index
            continue
        run = index.producer_runs.get(producer_id)
        in_category = (index.category_bits.get(category_id, 0) >> position) & 1
        if run is None or not run[0] <= position < run[1] or not in_category:
            return False
        positions[product_id] = position
        producer_of[product_id] = producer_id
        for_sale = _set_bit(for_sale, position, status == published)
        featured_bits = _set_bit(featured_bits, position, bool(featured))
        index.in_stock = _set_bit(index.in_stock, position, stock > 0)
        index.in_season = _set_bit(index.in_season, position, bool(season_mask & (1 << (index.month - 1))))
        if index.prices[position] != price:
            if prices is None:
                prices = index.prices = array("q", index.prices)
            prices[position] = price
    if not positions:
        return True
    if featured_bits != index.featured_bits:
        by_featured, index.featured = _featured_order(index.by_name, bit_text(featured_bits, index.size)[:0:-1])
        index.blocks = {**index.blocks, "by_featured": _blocks(by_featured, index.size, index.blocks["by_featured"],
                                                               index.by_featured)}
        index.by_featured, index.featured_bits = by_featured, featured_bits
    sale_changed = for_sale != index.for_sale
    index.for_sale = for_sale

    # Their allergens and labels: their own, and their producer's (a label through the producer counts once).
    ids = sorted(positions)
    allergens_of: dict[int, set[str]] = {i: set() for i in ids}
    labels_of: dict[int, set[int]] = {i: set() for i in ids}
    rows = db.session.execute(union_all(
        select(literal("a"), ProductAllergen.product_id, cast(ProductAllergen.allergen, String))
        .where(ProductAllergen.product_id.in_(ids)),
        select(literal("l"), product_labels.c.product_id, cast(product_labels.c.label_id, String))
        .where(product_labels.c.product_id.in_(ids)),
        select(literal("p"), producer_labels.c.producer_id, cast(producer_labels.c.label_id, String))
        .where(producer_labels.c.producer_id.in_(sorted(set(producer_of.values())))),
    )).all()
    producer_label_ids: dict[int, set[int]] = {}
    for kind, key, value in rows:
        if kind == "a":
            allergens_of[key].add(str(value))
        elif kind == "l":
            labels_of[key].add(int(value))
        else:
            producer_label_ids.setdefault(key, set()).add(int(value))
    allergen_bits, label_bits = dict(index.allergen_bits), dict(index.label_bits)
    for product_id, position in positions.items():
        held = allergens_of[product_id]
        for code in set(allergen_bits) | held:
            allergen_bits[code] = _set_bit(allergen_bits.get(code, 0), position, code in held)
        labelled = labels_of[product_id] | producer_label_ids.get(producer_of[product_id], set())
        for label_id in set(label_bits) | labelled:
            label_bits[label_id] = _set_bit(label_bits.get(label_id, 0), position, label_id in labelled)
    index.allergen_bits, index.label_bits = allergen_bits, label_bits
    # Counted again: the labels and allergens (those products' may have changed), and every facet when products
    # entered or left the products for sale.
    index.sizes = {**index.sizes, **_sizes(index, None if sale_changed else ("label", "zonder"))}

    # The price bounds kept: those products' bits tested again.
    price_bits = {}
    for (low, high), bits in list(index.price_bits.items()):  # a list: the kept index's dict, which it may fill
        for position in positions.values():
            price = index.prices[position]
            bits = _set_bit(bits, position, (low is None or price >= low) and (high is None or price <= high))
        price_bits[(low, high)] = bits
    index.price_bits = price_bits

    # The search terms kept: those products' matches and scores read again (their search text may have changed).
    kept_terms = list(index.terms.items())  # a list: the kept index's dict, which it may fill
    if kept_terms:
        found = term_matches([term for term, _ in kept_terms], Product.id.in_(ids))
        terms = {}
        for term, kept_bits in kept_terms:
            matched, two, one = found[term]
            new_bits = []
            for bits, now in zip(kept_bits, (matched, two, one), strict=True):
                for product_id, position in positions.items():
                    bits = _set_bit(bits, position, product_id in now)
                new_bits.append(bits)
            terms[term] = tuple(new_bits)
        index.terms = terms
    return True


def counts_of(index: FacetIndex, parts: dict[str, int]) -> dict[tuple[str, Any], int]:
    """Every number the list shows, as ``product_queries._counts`` gives them: ``parts`` holds the bits of each
    chosen filter (by its parameter), the base being every product for sale.

    Each facet counts under every chosen filter but its own; leaving out a filter that is not chosen changes
    nothing, so the facets share their bits (and the producers' runs counted in them) where they can, and a facet
    under no filter at all takes its values' sizes kept with the index (``FacetIndex.sizes``): the unfiltered list
    makes no AND of every product's bits per value."""
    everything = index.everything
    kept_bits: dict[frozenset, int] = {}
    kept_runs: dict[frozenset, dict[int, int]] = {}

    def key_of(*excluded: str) -> frozenset:
        return frozenset(key for key in excluded if key in parts)

    def under(key: frozenset) -> int:
        bits = kept_bits.get(key)
        if bits is None:
            bits = everything
            for name, part in parts.items():
                if name not in key:
                    bits &= part
            kept_bits[key] = bits
        return bits

    def unfiltered(key: frozenset) -> bool:
        return len(key) == len(parts)  # every chosen filter left out: every product for sale

    def value_counts(facet: str, values: dict[Any, int]) -> dict[Any, int]:
        key = key_of(facet)
        if unfiltered(key):
            return index.sizes[facet]
        bits = under(key)
        found = {}
        for value, value_bits in values.items():
            n = (bits & value_bits).bit_count()
            if n:
                found[value] = n
        return found

    def run_counts(facet: str) -> dict[int, int]:
        key = key_of(facet)
        if unfiltered(key):
            return index.sizes["producent"]
        runs = kept_runs.get(key)
        if runs is None:
            runs = kept_runs[key] = index.run_counts(under(key))
        return runs

    counts: dict[tuple[str, Any], int] = {}
    shown = under(frozenset())
    counts[("total", None)] = shown.bit_count()
    counts[("seizoen", None)] = (under(key_of("seizoen")) & index.in_season).bit_count()
    counts[("voorraad", None)] = (under(key_of("voorraad")) & index.in_stock).bit_count()
    for category_id, n in value_counts("categorie", index.category_bits).items():
        counts[("categorie", category_id)] = n
    for label_id, n in value_counts("label", index.label_bits).items():
        counts[("label", label_id)] = n
    counts[("zonder", None)] = under(key_of("zonder")).bit_count()
    for code, n in value_counts("zonder", index.allergen_bits).items():
        counts[("zonder", code)] = n
    for facet, pick in (("streek", 1), ("gemeente", 0)):
        for producer_id, n in run_counts(facet).items():
            key = (facet, index.producer_places[producer_id][pick])
            counts[key] = counts.get(key, 0) + n
    for producer_id, n in run_counts("producent").items():
        counts[("producent", producer_id)] = n
    return counts
