"""Depth-damage curves: the share of a building's maximum damage that a water depth causes.

Source: Huizinga, J., de Moel, H., Szewczyk, W. (2017). *Global flood depth-damage functions.
Methodology and the database with guidelines.* JRC Technical Report EUR 28552 EN, European
Commission Joint Research Centre. doi:10.2760/16510. The curves for **Asia**, buildings (structure
and content together):

- x: water depth above the ground floor, metres;
- y: damage fraction, 0-1, of the maximum damage; linear between the points, 0 at or below 0 m and
  1 above the last point (6 m).

The residential curve is given with the four decimals of the JRC database (as also carried by
CLIMADA's ``ImpfRiverFlood.from_RF_Impf_Asia``); commercial and industrial with the two decimals of
the report's tables.

Maximum damage: the JRC report derives it per country from construction costs (2010 euros per m2
of footprint). Here it is a setting, in **VND per m2 of building footprint**, because what a city's
planners have are their own unit costs. The defaults are planning placeholders of the order of the
Vietnamese Ministry of Construction's published unit construction costs for low-rise buildings
(plus content), not survey values: set the city's own with :class:`DamageModel`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

JRC_SOURCE = ("Huizinga, de Moel, Szewczyk (2017), Global flood depth-damage functions, "
              "JRC EUR 28552 EN, doi:10.2760/16510 - Asia")

#: Depths (m) of the curve points.
JRC_ASIA_DEPTHS_M = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0)

#: Damage fraction (0-1 of the maximum damage) at :data:`JRC_ASIA_DEPTHS_M`, per building class.
JRC_ASIA_CURVES: dict[str, tuple[float, ...]] = {
    "residential": (0.0, 0.3266, 0.4941, 0.6166, 0.7207, 0.8695, 0.9315, 0.9836, 1.0),
    "commercial": (0.0, 0.38, 0.54, 0.66, 0.76, 0.88, 0.94, 0.98, 1.0),
    "industrial": (0.0, 0.28, 0.48, 0.63, 0.72, 0.86, 0.91, 0.96, 1.0),
}

#: Building use (the ``use`` attribute) -> curve. JRC's "commerce" class covers offices, schools,
#: hospitals and shops, so public and religious buildings take it; a mixed shophouse (shop on the
#: ground floor, the floor that floods) takes it too.
DEFAULT_USE_TO_CURVE: dict[str, str] = {
    "residential": "residential", "house": "residential", "apartments": "residential",
    "mixed": "commercial", "commercial": "commercial", "retail": "commercial", "office": "commercial",
    "public": "commercial", "religious": "commercial", "school": "commercial", "hospital": "commercial",
    "industrial": "industrial", "warehouse": "industrial", "factory": "industrial",
}

#: Default maximum damage, VND per m2 of footprint (placeholders; see the module text).
DEFAULT_MAX_DAMAGE_VND_M2: dict[str, float] = {
    "residential": 6_500_000.0,
    "commercial": 9_000_000.0,
    "industrial": 5_500_000.0,
}


@dataclass
class DamageModel:
    """Curves, the use -> curve mapping and the maximum damage per m2 (in ``currency``).

    Uses missing from ``use_to_curve`` take ``default_curve``.
    """

    curves: dict[str, tuple[float, ...]] = field(default_factory=lambda: dict(JRC_ASIA_CURVES))
    depths_m: tuple[float, ...] = JRC_ASIA_DEPTHS_M
    use_to_curve: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_USE_TO_CURVE))
    default_curve: str = "residential"
    max_damage_per_m2: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MAX_DAMAGE_VND_M2))
    currency: str = "VND"
    source: str = JRC_SOURCE

    def curve_of(self, uses) -> np.ndarray:
        """The curve name of each building use (strings; None/NaN -> the default curve)."""
        mapping = self.use_to_curve
        out = []
        for use in uses:
            key = str(use).strip().lower() if isinstance(use, str) else ""
            out.append(mapping.get(key, self.default_curve))
        return np.asarray(out, dtype=object)

    def fraction(self, depth_m, curve: str) -> np.ndarray:
        """Damage fraction of one curve at depths (m)."""
        if curve not in self.curves:
            raise KeyError(f"no depth-damage curve named {curve!r}")
        depth = np.nan_to_num(np.asarray(depth_m, dtype=float), nan=0.0)
        return np.interp(depth, self.depths_m, self.curves[curve], left=0.0, right=self.curves[curve][-1])

    def damage(self, depth_m, uses, area_m2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(damage, fraction, curve name) per building: fraction(depth) x area x max damage."""
        depth = np.asarray(depth_m, dtype=float)
        area = np.asarray(area_m2, dtype=float)
        curves = self.curve_of(uses)
        fraction = np.zeros(depth.shape)
        value = np.zeros(depth.shape)
        for name in np.unique(curves) if len(curves) else []:
            sel = curves == name
            fraction[sel] = self.fraction(depth[sel], name)
            value[sel] = fraction[sel] * area[sel] * float(self.max_damage_per_m2[name])
        return value, fraction, curves
