"""The province map's geometry: pure functions, no database."""

from __future__ import annotations

import math
import re

import pytest

from shop.catalog.map import (
    Pin,
    Projection,
    Site,
    Town,
    build_province_map,
    clip_half_plane,
    convex_hull,
    fit_projection,
    region_colors,
    spread_points,
    voronoi_cells,
)

GENT = (51.0543, 3.7174)
AALST = (50.9360, 4.0355)
EEKLO = (51.1858, 3.5639)
RONSE = (50.7467, 3.6005)


def test_projection_keeps_north_up_and_west_left():
    projection = fit_projection([GENT, AALST, EEKLO, RONSE], margin_km=5)

    _, y_eeklo = projection(*EEKLO)
    _, y_ronse = projection(*RONSE)
    x_gent, _ = projection(*GENT)
    x_aalst, _ = projection(*AALST)

    assert y_eeklo < y_ronse  # Eeklo lies further north: higher latitude, smaller y
    assert x_gent < x_aalst  # Aalst lies east of Gent


def test_projection_corrects_longitude_for_latitude():
    projection = Projection(min_lat=51.0, min_lon=3.0, max_lat=51.1, max_lon=3.2, width=1000)

    x0, y0 = projection(51.05, 3.1)
    x1, _ = projection(51.05, 3.11)
    _, y1 = projection(51.06, 3.1)

    # 0.01 degree of longitude is cos(51.05 deg) times as long as 0.01 degree of latitude (within 1 %).
    ratio = (x1 - x0) / (y0 - y1)
    assert ratio == pytest.approx(math.cos(math.radians(51.05)) * 111.32 / 110.57, rel=1e-3)


def test_projection_maps_the_box_corners_onto_the_canvas():
    projection = Projection(min_lat=50.7, min_lon=3.3, max_lat=51.4, max_lon=4.4, width=800)

    assert projection(51.4, 3.3) == pytest.approx((0, 0))
    assert projection(50.7, 4.4) == pytest.approx((800, projection.height))
    assert 700 < projection.height < 1000  # the province is a bit taller than wide


def test_fit_projection_gives_one_point_a_minimum_span():
    projection = fit_projection([GENT], margin_km=1, min_span_km=12)

    assert projection.span_x_km == pytest.approx(12)
    assert projection.span_y_km == pytest.approx(12)
    assert projection(*GENT) == pytest.approx((projection.width / 2, projection.height / 2))


def test_convex_hull_drops_inner_points():
    hull = convex_hull([(0, 0), (4, 0), (4, 4), (0, 4), (2, 2), (1, 3), (4, 2)])

    assert sorted(hull) == [(0, 0), (0, 4), (4, 0), (4, 4)]


def test_clip_half_plane_labels_the_new_edge():
    square = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]

    vertices, labels = clip_half_plane(square, ["a", "b", "c", "d"], (1.0, 0.0), 1.0, "cut")

    assert vertices == [(0.0, 0.0), (1.0, 0.0), (1.0, 2.0), (0.0, 2.0)]
    assert labels == ["a", "cut", "c", "d"]


def test_voronoi_cells_split_the_land_between_two_sites():
    cells = voronoi_cells([(0.0, 0.0), (10.0, 0.0)], radius=8)

    left, right = cells
    assert max(x for x, _ in left.vertices) == pytest.approx(5)
    assert min(x for x, _ in right.vertices) == pytest.approx(5)
    assert 1 in left.neighbours and 0 in right.neighbours
    assert None in left.neighbours  # the coast


def test_spread_points_separates_producers_in_the_same_place():
    spots = spread_points([(100.0, 100.0)] * 6, spacing=9)

    assert spots[0] == (100.0, 100.0)
    for i, a in enumerate(spots):
        for b in spots[i + 1 :]:
            assert math.dist(a, b) >= 9 - 1e-6
    assert all(math.dist(s, (100.0, 100.0)) < 30 for s in spots)


def test_region_colors_follow_the_given_order():
    assert region_colors(["a", "b"]) != region_colors(["b", "a"])
    assert region_colors(["a", "b"])["a"] == region_colors(["a", "c"])["a"]


def _sites() -> list[Site]:
    return [
        Site(*GENT, "gent-en-rand", "gent"),
        Site(51.03, 3.80, "gent-en-rand", "gent"),
        Site(*AALST, "denderstreek", "aalst"),
        Site(*EEKLO, "meetjesland", "eeklo"),
        Site(*RONSE, "vlaamse-ardennen", "ronse"),
    ]


def test_every_pin_becomes_a_marker_inside_the_view_box():
    pins = [
        Pin("hoeve-gent", "Hoeve Gent", *GENT),
        Pin("hoeve-gent-2", "Hoeve Gent twee", *GENT),
        Pin("far-away", "Ver weg", 51.6, 4.9),  # outside every site: the canvas grows to hold it
    ]

    province = build_province_map(_sites(), pins)

    min_x, min_y, width, height = map(float, province.view_box.split())
    assert [m.key for m in province.markers] == ["hoeve-gent", "hoeve-gent-2", "far-away"]
    assert (min_x, min_y, width) == (0, 0, 800)
    for marker in province.markers:
        assert 0 <= marker.x <= width
        assert 0 <= marker.y <= height


def test_province_map_draws_regions_borders_and_towns():
    sites = [
        Site(*GENT, "gent-en-rand", "gent"),
        Site(51.03, 3.80, "gent-en-rand", "gent"),
        Site(51.06, 3.66, "meetjesland", "lievegem"),
    ]

    province = build_province_map(sites, [], towns=[Town("Gent", *GENT)])

    assert {r.key for r in province.regions} == {"gent-en-rand", "meetjesland"}
    assert all(re.fullmatch(r"(M[-\d. ]+l[-\d. ]+Z)+", r.path) for r in province.regions)
    assert province.coast.startswith("M")
    assert province.region_borders.startswith("M")  # Gent meets Lievegem
    assert province.municipality_borders == ""  # the two Gent sites share their municipality
    assert [t.name for t in province.towns] == ["Gent"]


def test_province_map_draws_municipality_borders_inside_a_region():
    sites = [Site(*GENT, "gent-en-rand", "gent"), Site(51.09, 3.83, "gent-en-rand", "lochristi")]

    province = build_province_map(sites, [])

    assert province.municipality_borders.startswith("M")
    assert province.region_borders == ""


def test_province_map_without_sites_still_places_pins():
    province = build_province_map([], [Pin("a", "A", *GENT), Pin("b", "B", *AALST)])

    assert province.regions == []
    assert len(province.markers) == 2
    a, b = province.markers
    assert a.x < b.x and a.y < b.y


def _points(path: str) -> list[list[tuple[float, float]]]:
    """The absolute points of path text made of ``M x y l dx dy ... [Z]`` runs."""
    runs = []
    for command, numbers in re.findall(r"([MlZ])([^MlZ]*)", path):
        values = [float(n) for n in re.findall(r"-?\d*\.?\d+", numbers)]
        pairs = list(zip(values[::2], values[1::2], strict=True))
        if command == "M":
            runs.append([pairs[0]])
        elif command == "l":
            for dx, dy in pairs:
                x, y = runs[-1][-1]
                runs[-1].append((round(x + dx, 1), round(y + dy, 1)))
    return runs


def test_paths_are_relative_steps_between_points_rounded_to_a_tenth():
    from shop.catalog.map import polygon_path, segments_path

    ring = [(537.34, 483.0), (507.5, 499.52), (491.61, 473.6), (491.64, 473.6), (528.0, 465.4)]
    path = polygon_path(ring)

    assert path == "M537.3 483l-29.8 16.5-15.9-25.9 36.4-8.2Z"  # the point within a tenth of the one before is dropped
    assert _points(path) == [[(537.3, 483.0), (507.5, 499.5), (491.6, 473.6), (528.0, 465.4)]]
    # Many small steps do not drift: each step is taken between rounded points.
    steps = [(i * 0.26, i * 0.26) for i in range(100)]
    assert _points(polygon_path(steps))[0][-1] == (25.7, 25.7)

    borders = segments_path([((0, 0), (10, 5)), ((10, 5), (20, 0)), ((30, 0), (30, 0.04)), ((40, 0), (40, 10))])
    assert borders == "M0 0l10 5 10-5M40 0l0 10"
    assert _points(borders) == [[(0, 0), (10, 5), (20, 0)], [(40, 0), (40, 10)]]


def _area(ring: list[tuple[float, float]]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def test_a_region_is_drawn_as_the_outline_of_its_cells_covering_the_same_land():
    """Gent's two sites (and a third place at the same point as one of them) make one ring around both cells, not a
    ring per cell; the ring covers what the cells covered."""
    from shop.catalog.map import fit_projection, voronoi_cells

    sites = [
        Site(*GENT, "gent-en-rand", "gent"),
        Site(51.03, 3.80, "gent-en-rand", "gent"),
        Site(51.03, 3.80, "gent-en-rand", "melle"),  # the same point in another municipality
        Site(51.06, 3.66, "meetjesland", "lievegem"),
    ]

    province = build_province_map(sites, [])

    gent = next(r for r in province.regions if r.key == "gent-en-rand")
    (ring,) = _points(gent.path)
    projection = fit_projection([(s.latitude, s.longitude) for s in sites], margin_km=4.6 + 1.2)
    cells = voronoi_cells([projection(s.latitude, s.longitude) for s in sites], projection.units(4.6))
    assert _area(ring) == pytest.approx(_area(cells[0].vertices) + _area(cells[1].vertices), rel=0.002)


def test_outline_rings_join_ends_a_little_apart_and_refuse_an_open_outline():
    from shop.catalog.map import outline_rings

    # Two ends meet the next edge's start a third of a unit away, as two cells' discs do at the coast.
    square = [((0, 0), (10, 0)), ((10, 0), (10, 10)), ((10.3, 10.2), (0, 10)), ((0, 10), (0.2, 0.1))]
    assert outline_rings(square) == [[(0, 0), (10, 0), (10, 10), (10.3, 10.2), (0, 10), (0.2, 0.1)]]
    assert outline_rings([((0, 0), (10, 0)), ((10, 0), (10, 10))]) is None
