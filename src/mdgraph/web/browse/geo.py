"""World outlines for the choropleth, drawn on the server as SVG paths: Natural Earth
country shapes from the `world-atlas` npm package (TopoJSON, read from node_modules at run
time, never copied into the repo), in the Equal Earth projection (equal-area, so a country's
colour is not exaggerated by its size). Pure functions, except `load_topology`."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Equal Earth polynomial coefficients (Šavrič, Patterson and Jenny 2018).
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2
#: Shapes south of this latitude (Antarctica) are left out: no programme is there.
SOUTHERN_LIMIT = -58.0


@dataclass(frozen=True)
class Shape:
    """One country outline: its ISO 3166 numeric code (None for a few disputed areas), its
    Natural Earth name, its SVG path in the map's coordinates, and for a country too small
    to see or click (an island state) the centre of a marker drawn over it."""

    numeric: str | None
    name: str
    path: str
    marker: tuple[float, float] | None = None


@dataclass(frozen=True)
class WorldMap:
    width: int
    height: int
    shapes: tuple[Shape, ...]


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    """Projected (x, y) of a point, in units of the unit sphere (y grows northwards)."""
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = 2 * math.sqrt(3) * lam * math.cos(theta) / (3 * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


class Arcs:
    """The arcs of a TopoJSON topology as (longitude, latitude) points, decoded when first
    used (quantised arcs are delta-encoded: each position adds to the one before)."""

    def __init__(self, topology: Mapping) -> None:
        self._raw = topology["arcs"]
        transform = topology.get("transform")
        self._transform = (tuple(transform["scale"]), tuple(transform["translate"])) if transform else None
        self._decoded: dict[int, list[tuple[float, float]]] = {}

    def __getitem__(self, index: int) -> list[tuple[float, float]]:
        """Arc `index`; ~index is the same arc reversed."""
        number = index if index >= 0 else ~index
        if number not in self._decoded:
            self._decoded[number] = self._decode(self._raw[number])
        return self._decoded[number] if index >= 0 else self._decoded[number][::-1]

    def _decode(self, arc) -> list[tuple[float, float]]:
        if self._transform is None:
            return [(float(p[0]), float(p[1])) for p in arc]
        (sx, sy), (tx, ty) = self._transform
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        return points


def rings(geometry: Mapping, arcs: Arcs) -> list[list[tuple[float, float]]]:
    """The closed rings of a Polygon or MultiPolygon geometry."""
    if geometry.get("type") == "Polygon":
        polygons = [geometry["arcs"]]
    elif geometry.get("type") == "MultiPolygon":
        polygons = geometry["arcs"]
    else:
        return []
    found = []
    for polygon in polygons:
        for ring in polygon:
            points: list[tuple[float, float]] = []
            for index in ring:
                arc = arcs[index]
                points.extend(arc[1:] if points else arc)
            found.append(points)
    return found


def svg_path(polygons: Iterable[list[tuple[float, float]]]) -> str:
    """An SVG path of closed rings, points rounded to a tenth and repeats dropped."""
    parts = []
    for ring in polygons:
        kept: list[tuple[float, float]] = []
        for x, y in ring:
            point = (round(x, 1), round(y, 1))
            if not kept or point != kept[-1]:
                kept.append(point)
        if len(kept) >= 3:
            parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in kept) + "Z")
    return "".join(parts)


def _features(topology: Mapping, skip: set) -> list[tuple[str | None, str, list]]:
    """(numeric id, name, projected rings) of the countries of a topology not in `skip`."""
    arcs = Arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric = str(geometry["id"]) if geometry.get("id") is not None else None
        name = geometry.get("properties", {}).get("name", "")
        if (numeric or name) in skip:
            continue
        projected = [[equal_earth(lon, lat) for lon, lat in ring] for ring in rings(geometry, arcs)
                     if any(lat > SOUTHERN_LIMIT for _, lat in ring)]
        if projected:
            features.append((numeric, name, projected))
    return features


def world_map(topology: Mapping, detail: Mapping | None = None, width: int = 960, smallest: float = 5.0) -> WorldMap:
    """Every country of the topology's `countries` object, projected and scaled to `width`,
    plus the countries only a more detailed topology (`detail`) has, such as small islands;
    a country under `smallest` pixels across gets a marker."""
    features = _features(topology, set())
    if detail is not None:
        features += _features(detail, {numeric or name for numeric, name, _ in features})
    xs = [x for *_, shape in features for ring in shape for x, _ in ring]
    ys = [y for *_, shape in features for ring in shape for _, y in ring]
    if not xs:
        return WorldMap(width, 0, ())
    scale = width / (max(xs) - min(xs))
    left, top = min(xs), max(ys)
    shapes = []
    for numeric, name, shape in features:
        placed = [[((x - left) * scale, (top - y) * scale) for x, y in ring] for ring in shape]
        px = [x for ring in placed for x, _ in ring]
        py = [y for ring in placed for _, y in ring]
        tiny = max(max(px) - min(px), max(py) - min(py)) < smallest
        marker = (round((max(px) + min(px)) / 2, 1), round((max(py) + min(py)) / 2, 1)) if tiny else None
        shapes.append(Shape(numeric, name, svg_path(placed), marker))
    return WorldMap(width, math.ceil((max(ys) - min(ys)) * scale), tuple(shapes))


@lru_cache(maxsize=2)
def load_world(path: Path, detail: Path | None = None) -> WorldMap | None:
    """The projected world of world-atlas files, made once; None when they are not installed."""
    topology = load_topology(path)
    if topology is None:
        return None
    return world_map(topology, load_topology(detail) if detail else None)


def load_topology(path: Path) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None

