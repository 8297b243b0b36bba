"""A map of Oost-Vlaanderen drawn from our own points, as inline SVG: no tiles, no internet.

There is no boundary data in the shop, so the province is sketched from the places we know: every
locality (and municipality centre) becomes a site; each site gets its Voronoi cell, cut to a disc of
``SITE_RADIUS_KM`` around it. The union of those cells is the land (it follows the settlements, so it
looks like the province), each cell takes its region's colour, and the edges between cells of different
municipalities or regions become the borders. Producers are placed on top as markers.

Everything here is pure: plain numbers in, plain numbers and SVG path strings out. The projection is
equirectangular with a cos(latitude) correction, which is accurate to well under 1 % over a province.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

KM_PER_DEGREE_LAT = 110.57
KM_PER_DEGREE_LON_AT_EQUATOR = 111.32

MAP_WIDTH = 800.0
SITE_RADIUS_KM = 4.6
MARGIN_KM = 1.2
MIN_SPAN_KM = 12.0
DISC_SEGMENTS = 28
MARKER_SPACING = 9.0

# Muted, warm fills that stay readable under dark markers; assigned to regions in the caller's order.
REGION_PALETTE = (
    "#d9e4c1",  # sage
    "#f1d9a6",  # wheat
    "#cfe0df",  # mist blue-green
    "#ecc9b3",  # clay
    "#dcd3ea",  # heather
    "#e6e0b8",  # straw
    "#c6d8e6",  # sky
    "#f0d2c8",  # blush
    "#c9dcc4",  # meadow
    "#d6d9e8",  # slate
)

# The bigger towns that carry a name on the map (the province's central and small cities).
MAP_TOWNS = (
    "Gent",
    "Aalst",
    "Sint-Niklaas",
    "Dendermonde",
    "Lokeren",
    "Oudenaarde",
    "Ronse",
    "Geraardsbergen",
    "Eeklo",
    "Ninove",
    "Zottegem",
    "Wetteren",
    "Deinze",
    "Beveren-Kruibeke-Zwijndrecht",
    "Temse",
    "Maldegem",
)

# Short names where the official one would not fit on the map.
MAP_TOWN_SHORT_NAMES = {"Beveren-Kruibeke-Zwijndrecht": "Beveren", "Nazareth-De Pinte": "Nazareth"}

Point = tuple[float, float]


class Site(NamedTuple):
    """A place that is part of the land: a locality or a municipality centre.

    Site, Town and Pin are named tuples (values, like frozen dataclasses, but hashed and compared at C speed): the
    map is remembered by its arguments' content (``build_province_map``), hundreds of sites and pins hashed and
    compared on each directory page."""

    latitude: float
    longitude: float
    region: str
    municipality: str


class Town(NamedTuple):
    name: str
    latitude: float
    longitude: float


class Pin(NamedTuple):
    """A producer to place: ``key`` comes back on the marker (the template makes the link from it)."""

    key: str
    name: str
    latitude: float
    longitude: float
    region: str = ""


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection of a lat/lon box onto an SVG canvas ``width`` wide; north is up."""

    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float
    width: float = MAP_WIDTH

    @property
    def _cos(self) -> float:
        return math.cos(math.radians((self.min_lat + self.max_lat) / 2))

    @property
    def span_x_km(self) -> float:
        return (self.max_lon - self.min_lon) * KM_PER_DEGREE_LON_AT_EQUATOR * self._cos

    @property
    def span_y_km(self) -> float:
        return (self.max_lat - self.min_lat) * KM_PER_DEGREE_LAT

    @property
    def scale(self) -> float:
        """SVG units per kilometre."""
        return self.width / self.span_x_km

    @property
    def height(self) -> float:
        return self.span_y_km * self.scale

    def __call__(self, latitude: float, longitude: float) -> Point:
        x = (longitude - self.min_lon) * KM_PER_DEGREE_LON_AT_EQUATOR * self._cos * self.scale
        y = (self.max_lat - latitude) * KM_PER_DEGREE_LAT * self.scale
        return x, y

    def units(self, km: float) -> float:
        return km * self.scale


def fit_projection(
    points: list[tuple[float, float]], *, margin_km: float, width: float = MAP_WIDTH, min_span_km: float = MIN_SPAN_KM
) -> Projection:
    """The smallest box around (lat, lon) ``points`` plus ``margin_km`` on every side, at least
    ``min_span_km`` wide and high (so one lonely point still gives a sensible map)."""
    if not points:
        # Oost-Vlaanderen, roughly: a blank canvas of the right shape.
        points = [(50.70, 3.30), (51.40, 4.40)]
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    mid_lat = (min(lats) + max(lats)) / 2
    km_per_lon = KM_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(mid_lat))
    half_lat = max((max(lats) - min(lats)) * KM_PER_DEGREE_LAT / 2 + margin_km, min_span_km / 2) / KM_PER_DEGREE_LAT
    half_lon = max((max(lons) - min(lons)) * km_per_lon / 2 + margin_km, min_span_km / 2) / km_per_lon
    centre_lat = mid_lat
    centre_lon = (min(lons) + max(lons)) / 2
    return Projection(
        min_lat=centre_lat - half_lat,
        min_lon=centre_lon - half_lon,
        max_lat=centre_lat + half_lat,
        max_lon=centre_lon + half_lon,
        width=width,
    )


# --- plane geometry -------------------------------------------------------------------------------


def convex_hull(points: list[Point]) -> list[Point]:
    """Andrew's monotone chain; the hull without repeated points, counter-clockwise in maths axes."""
    unique = sorted(set(points))
    if len(unique) <= 2:
        return unique

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    for p in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Point] = []
    for p in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def regular_polygon(centre: Point, radius: float, segments: int = DISC_SEGMENTS) -> list[Point]:
    """A disc as a polygon whose edges touch the circle from outside (so the disc is fully covered)."""
    outer = radius / math.cos(math.pi / segments)
    return [
        (centre[0] + outer * math.cos(2 * math.pi * i / segments), centre[1] + outer * math.sin(2 * math.pi * i / segments))
        for i in range(segments)
    ]


def clip_half_plane(
    vertices: list[Point], labels: list[object], normal: Point, offset: float, label: object
) -> tuple[list[Point], list[object]]:
    """Keep the part of a convex polygon where ``normal . p <= offset`` (Sutherland-Hodgman).

    ``labels[i]`` names the edge that starts at ``vertices[i]``; the new edge along the cut gets ``label``,
    which is how a Voronoi cell remembers which neighbour each of its edges faces.
    """
    out_vertices: list[Point] = []
    out_labels: list[object] = []
    count = len(vertices)
    eps = 1e-9
    for i in range(count):
        p, q = vertices[i], vertices[(i + 1) % count]
        dp = normal[0] * p[0] + normal[1] * p[1] - offset
        dq = normal[0] * q[0] + normal[1] * q[1] - offset
        if dp <= eps:
            out_vertices.append(p)
            out_labels.append(labels[i])
            if dq > eps:
                t = dp / (dp - dq)
                out_vertices.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
                out_labels.append(label)
        elif dq <= eps:
            t = dp / (dp - dq)
            out_vertices.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
            out_labels.append(labels[i])
    return out_vertices, out_labels


@dataclass
class Cell:
    site: int
    vertices: list[Point]
    neighbours: list[int | None]  # per edge: the site on the other side, None on the coast


def voronoi_cells(points: list[Point], radius: float) -> list[Cell]:
    """The Voronoi cell of every point, each cut to a disc of ``radius`` around its point.

    Neighbours are visited nearest first; once a neighbour is further than twice the cell's reach it
    (and everything after it) cannot cut the cell any more.
    """
    cells = []
    for i, s in enumerate(points):
        vertices = regular_polygon(s, radius)
        labels: list[object] = [None] * len(vertices)
        others = sorted(
            ((q[0] - s[0]) ** 2 + (q[1] - s[1]) ** 2, j) for j, q in enumerate(points) if j != i
        )
        reach = radius / math.cos(math.pi / DISC_SEGMENTS)
        for distance_sq, j in others:
            if distance_sq < 1e-12:
                continue  # the same place twice: the first one drawn wins the overlap
            if math.sqrt(distance_sq) / 2 > reach:
                break
            q = points[j]
            normal = (q[0] - s[0], q[1] - s[1])
            offset = (q[0] ** 2 + q[1] ** 2 - s[0] ** 2 - s[1] ** 2) / 2
            vertices, labels = clip_half_plane(vertices, labels, normal, offset, j)
            if not vertices:
                break
            reach = max(math.hypot(v[0] - s[0], v[1] - s[1]) for v in vertices)
        cells.append(Cell(i, vertices, labels))  # type: ignore[arg-type]
    return cells


def spread_points(points: list[Point], spacing: float) -> list[Point]:
    """Move points apart (along a golden-angle spiral around where they belong) until no two are
    closer than ``spacing``, so producers in the same village stay clickable one by one."""
    golden = math.pi * (3 - math.sqrt(5))
    placed: list[Point] = []
    cell_size = spacing
    grid: dict[tuple[int, int], list[Point]] = {}

    def is_free(p: Point) -> bool:
        gx, gy = int(p[0] // cell_size), int(p[1] // cell_size)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for q in grid.get((gx + dx, gy + dy), ()):
                    if (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 < spacing**2 - 1e-9:
                        return False
        return True

    for origin in points:
        candidate = origin
        step = 0
        while not is_free(candidate) and step < 500:
            step += 1
            r = spacing * 0.62 * math.sqrt(step)
            candidate = (origin[0] + r * math.cos(step * golden), origin[1] + r * math.sin(step * golden))
        placed.append(candidate)
        grid.setdefault((int(candidate[0] // cell_size), int(candidate[1] // cell_size)), []).append(candidate)
    return placed


# --- SVG output -----------------------------------------------------------------------------------


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return "0" if text in ("0.0", "-0.0") else text.removesuffix(".0")


def _tenths(value: float) -> int:
    return round(value * 10)


def _tenths_text(tenths: int) -> str:
    """A number of tenths as SVG path text, as short as it goes: 35 -> "3.5", -5 -> "-.5", 30 -> "3"."""
    whole, fraction = divmod(abs(tenths), 10)
    sign = "-" if tenths < 0 else ""
    if not fraction:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{fraction}"


def _pair(dx: int, dy: int, first: bool) -> str:
    """A coordinate pair in path text; a separator only where the next number does not start with its sign."""
    x, y = _tenths_text(dx), _tenths_text(dy)
    return ("" if first or x[0] == "-" else " ") + x + ("" if y[0] == "-" else " ") + y


def polygon_path(vertices: list[Point]) -> str:
    """A closed polygon in path text: the first point absolute, each next one relative to the one before
    (``M537.3 483l-29.8 16.5-15.9-25.9Z``), so that a number is a short step rather than a position. The steps are
    taken between the points rounded to a tenth, so rounding never adds up along the ring."""
    points = [(_tenths(x), _tenths(y)) for x, y in vertices]
    if not points:
        return ""
    (px, py), *rest = points
    parts = ["M", _pair(px, py, True), "l"]
    first = True
    for x, y in rest:
        if (x, y) == (px, py):
            continue
        parts.append(_pair(x - px, y - py, first))
        first = False
        px, py = x, y
    if first:  # a ring of one point after rounding
        parts.pop()
    parts.append("Z")
    return "".join(parts)


def segments_path(segments: list[tuple[Point, Point]]) -> str:
    """Line segments in path text, relative as ``polygon_path``; a segment that starts where the last one ended
    continues its line instead of moving there again. Segments shorter than a tenth are left out."""
    parts: list[str] = []
    pen: tuple[int, int] | None = None
    for a, b in segments:
        start, end = (_tenths(a[0]), _tenths(a[1])), (_tenths(b[0]), _tenths(b[1]))
        if start == end:
            continue
        if start != pen:
            parts.append("M" + _pair(*start, True) + "l")
            first = True
        parts.append(_pair(end[0] - start[0], end[1] - start[1], first))
        first = False
        pen = end
    return "".join(parts)


def region_colors(region_keys: list[str]) -> dict[str, str]:
    """A fill per region, in the order given (callers pass a stable order, e.g. regions by name)."""
    return {key: REGION_PALETTE[i % len(REGION_PALETTE)] for i, key in enumerate(region_keys)}


@dataclass
class Marker:
    key: str
    name: str
    x: int
    y: int
    region: str = ""


@dataclass
class TownLabel:
    name: str
    x: float
    y: float
    anchor: str = "middle"


@dataclass
class RegionShape:
    key: str
    color: str
    path: str


@dataclass
class ProvinceMap:
    width: float
    height: float
    regions: list[RegionShape] = field(default_factory=list)
    coast: str = ""
    municipality_borders: str = ""
    region_borders: str = ""
    towns: list[TownLabel] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {_num(self.width)} {_num(self.height)}"


@dataclass(frozen=True)
class _Land:
    width: float
    height: float
    regions: tuple[tuple[str, str], ...]
    coast: str
    municipality_borders: str
    region_borders: str


@lru_cache(maxsize=32)
def _land(sites: tuple[Site, ...], projection: Projection, radius_km: float) -> _Land:
    """The expensive part (cells and borders), cached: it depends only on the places, which rarely change."""
    points = [projection(s.latitude, s.longitude) for s in sites]
    cells = voronoi_cells(points, projection.units(radius_km))
    by_region: dict[str, list[Cell]] = {}
    outlines: dict[str, list[tuple[Point, Point]]] = {}  # per region: the edges of its cells that it does not share
    coast: list[tuple[Point, Point]] = []
    municipality_borders: list[tuple[Point, Point]] = []
    region_borders: list[tuple[Point, Point]] = []
    first_at: dict[tuple[Point, str], int] = {}
    for cell in cells:
        site = sites[cell.site]
        # Two places of a region at the same point (a village in two municipalities) have the same cell: drawn once.
        drawn = first_at.setdefault((points[cell.site], site.region), cell.site) == cell.site
        outline = outlines.setdefault(site.region, [])
        if drawn:
            by_region.setdefault(site.region, []).append(cell)
        count = len(cell.vertices)
        for k, neighbour in enumerate(cell.neighbours):
            segment = (cell.vertices[k], cell.vertices[(k + 1) % count])
            if drawn and (neighbour is None or sites[neighbour].region != site.region):
                outline.append(segment)
            if neighbour is None:
                coast.append(segment)
            elif neighbour > cell.site:  # each shared edge once
                other = sites[neighbour]
                if other.region != site.region:
                    region_borders.append(segment)
                elif other.municipality != site.municipality:
                    municipality_borders.append(segment)
    return _Land(
        width=projection.width,
        height=projection.height,
        regions=tuple((key, _region_path(region_cells, outlines[key])) for key, region_cells in by_region.items()),
        coast=segments_path(coast),
        municipality_borders=segments_path(municipality_borders),
        region_borders=segments_path(region_borders),
    )


# Where two cells of a region meet the coast, each cell's own disc ends a little apart from the other's (the discs are
# polygons around different centres): up to about half a unit at the map's scale. Ends this close (in tenths of a
# unit) are one point of the region's outline.
OUTLINE_SNAP_TENTHS = 8


def _signed_area(ring: list[tuple[float, float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def outline_rings(edges: list[tuple[Point, Point]]) -> list[list[Point]] | None:
    """The closed rings that ``edges`` (each from a start to an end point, all turning the same way) form, their points
    rounded to a tenth; an end meets the start of the next edge exactly or within ``OUTLINE_SNAP_TENTHS``. None when
    an edge leads nowhere (the outline does not close)."""
    rounded = [((_tenths(a[0]), _tenths(a[1])), (_tenths(b[0]), _tenths(b[1]))) for a, b in edges]
    rounded = [(a, b) for a, b in rounded if a != b]
    by_start: dict[tuple[int, int], list[int]] = {}
    for index, (start, _end) in enumerate(rounded):
        by_start.setdefault(start, []).append(index)
    used = [False] * len(rounded)
    snap = OUTLINE_SNAP_TENTHS**2

    def near(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 <= snap

    rings = []
    for first, (start, end) in enumerate(rounded):
        if used[first]:
            continue
        used[first] = True
        ring = [start]
        point = end
        while point != start:
            following = next((i for i in by_start.get(point, ()) if not used[i]), None)
            if following is None:
                nearest = min((i for i, taken in enumerate(used) if not taken and near(rounded[i][0], point)),
                              key=lambda i: (rounded[i][0][0] - point[0]) ** 2 + (rounded[i][0][1] - point[1]) ** 2,
                              default=None)
                if nearest is None:
                    if near(start, point):
                        ring.append(point)
                        break
                    return None
                following = nearest
                ring.append(point)
            used[following] = True
            if rounded[following][0] != ring[-1]:
                ring.append(rounded[following][0])
            point = rounded[following][1]
        rings.append([(x / 10, y / 10) for x, y in ring])
    return rings


def _region_path(cells: list[Cell], outline: list[tuple[Point, Point]]) -> str:
    """A region's land as path text: the outline of its cells (their edges that face the coast or another region,
    joined into rings), several times shorter than every cell drawn on its own. The cells themselves when the outline
    does not close or does not cover the same area (a safeguard: the drawing stays right whatever the places)."""
    rings = outline_rings(outline)
    if rings:
        area = sum(_signed_area(ring) for ring in rings)
        cells_area = sum(_signed_area(cell.vertices) for cell in cells if cell.vertices)
        if abs(area - cells_area) <= max(abs(cells_area) * 0.01, 1.0):
            return "".join(polygon_path(ring) for ring in rings)
    return "".join(polygon_path(cell.vertices) for cell in cells)


def build_province_map(
    sites: list[Site],
    pins: list[Pin],
    *,
    towns: list[Town] = (),  # type: ignore[assignment]
    region_order: list[str] | None = None,
    width: float = MAP_WIDTH,
    radius_km: float = SITE_RADIUS_KM,
    marker_spacing: float = MARKER_SPACING,
) -> ProvinceMap:
    """Land, borders, town names and one marker per pin, all in one SVG coordinate system.

    The canvas is fitted around every site and every pin, so all markers lie inside the viewBox.
    Duplicate sites (the same point listed twice) are kept once.

    A pure function of its arguments, so the last maps made are remembered by their arguments' content (the
    producers directory draws the same map for each of its pages and languages): the map returned is shared, and
    must not be changed.
    """
    return _province_map(tuple(sites), tuple(pins), tuple(towns),
                         tuple(region_order) if region_order is not None else None, width, radius_km, marker_spacing)


@lru_cache(maxsize=64)
def _province_map(
    sites: tuple[Site, ...],
    pins: tuple[Pin, ...],
    towns: tuple[Town, ...],
    region_order: tuple[str, ...] | None,
    width: float,
    radius_km: float,
    marker_spacing: float,
) -> ProvinceMap:
    unique_sites = tuple(dict.fromkeys(_rounded(s) for s in sites))
    extent = [(s.latitude, s.longitude) for s in unique_sites] + [(p.latitude, p.longitude) for p in pins]
    margin = radius_km + MARGIN_KM if unique_sites else MARGIN_KM * 3
    projection = fit_projection(extent, margin_km=margin, width=width)
    land = _land(unique_sites, projection, radius_km)
    colors = region_colors(region_order or sorted({s.region for s in unique_sites}))
    fallback = iter(REGION_PALETTE[len(colors) % len(REGION_PALETTE):] + REGION_PALETTE)
    regions = []
    for key, path in land.regions:
        if key not in colors:
            colors[key] = next(fallback)
        regions.append(RegionShape(key, colors[key], path))

    spots = spread_points([projection(p.latitude, p.longitude) for p in pins], marker_spacing)
    markers = [
        Marker(pin.key, pin.name, _clamp(x, 0, land.width), _clamp(y, 0, land.height), pin.region)
        for pin, (x, y) in zip(pins, spots, strict=True)
    ]
    labels = []
    for town in towns:
        x, y = projection(town.latitude, town.longitude)
        anchor = "start" if x < land.width * 0.15 else "end" if x > land.width * 0.85 else "middle"
        labels.append(TownLabel(town.name, round(x, 1), round(y, 1), anchor))
    return ProvinceMap(
        width=land.width,
        height=land.height,
        regions=regions,
        coast=land.coast,
        municipality_borders=land.municipality_borders,
        region_borders=land.region_borders,
        towns=labels,
        markers=markers,
    )


def _rounded(site: Site) -> Site:
    return Site(round(site.latitude, 4), round(site.longitude, 4), site.region, site.municipality)


def _clamp(value: float, low: float, high: float) -> int:
    """A marker's coordinate: a whole unit (a marker is nine units from the next; a tenth more per marker is a kilobyte
    on the directory's map), within the canvas."""
    return min(max(round(value), math.ceil(low)), math.floor(high))
