"""Camera poses of the 3D scene: saved state, the overview and the street-level view.

Saved states are plain floats in world coordinates (z in metres, not exaggerated), so a project
file restores the same view whatever the vertical exaggeration is when it is opened.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from viewer.core.project import Project
from viewer.render.terrain import Terrain

OVERVIEW_PITCH_DEG = 50.0
"""How far below the horizon the overview camera looks."""
STREET_EYE_HEIGHT = 8.0
"""Eye height above the ground in the street view, metres (over parked cars and street trees)."""
DRAW_DISTANCE = 1500.0
"""Farthest a camera near the ground draws, metres. From 8 m up the ground that far lies a
third of a degree below the horizon (a few pixels), and a street is walled in by buildings
long before it; what lies beyond costs a software renderer half its frame for nothing."""
DRAW_DISTANCE_PER_HEIGHT = 100.0
"""Higher up the draw distance grows with the eye's height above the ground, so that from
50 m it is 5 km and from an overview it never cuts anything."""
NEAR_FRACTION = 0.001
"""Near clipping plane as a fraction of the far one when the draw distance shortens it (a
24-bit depth buffer keeps the ordering of surfaces apart over that range)."""


def camera_state(camera: Any, exaggeration: float) -> dict[str, Any]:
    """The pose of a vtkCamera as plain data: position, focal_point, view_up, view_angle."""
    unscale = np.array([1.0, 1.0, 1.0 / exaggeration])
    return {"position": [float(v) for v in np.array(camera.GetPosition()) * unscale],
            "focal_point": [float(v) for v in np.array(camera.GetFocalPoint()) * unscale],
            "view_up": [float(v) for v in camera.GetViewUp()],
            "view_angle": float(camera.GetViewAngle())}


def apply_camera_state(camera: Any, state: dict[str, Any], exaggeration: float) -> None:
    """Put a vtkCamera in the pose ``state`` (as made by :func:`camera_state`)."""
    scale = np.array([1.0, 1.0, exaggeration])
    camera.SetPosition(*(np.asarray(state["position"], dtype=float) * scale))
    camera.SetFocalPoint(*(np.asarray(state["focal_point"], dtype=float) * scale))
    camera.SetViewUp(*(float(v) for v in state.get("view_up", (0.0, 0.0, 1.0))))
    camera.SetViewAngle(float(state.get("view_angle", 30.0)))
    camera.OrthogonalizeViewUp()


def draw_distance(height: float) -> float:
    """How far a camera ``height`` metres (scene units) above the ground draws."""
    return max(DRAW_DISTANCE, DRAW_DISTANCE_PER_HEIGHT * max(float(height), 0.0))


def fit_clipping_range(renderer: Any, ground_z: Callable[[float, float], float]) -> None:
    """Clipping planes around what ``renderer`` shows, the far one no farther than the draw
    distance of the camera's height above ``ground_z(x, y)`` (scene z under the eye).

    Called before every frame. At street level it leaves the far-away tiles of buildings and
    terrain to the renderer's frustum culling, and brings the near plane close enough for a
    wall beside the eye; from above it changes nothing.
    """
    renderer.ResetCameraClippingRange()
    camera = renderer.GetActiveCamera()
    if camera.GetParallelProjection():
        return
    x, y, z = camera.GetPosition()
    limit = draw_distance(z - ground_z(x, y))
    near, far = camera.GetClippingRange()
    if far > limit:
        camera.SetClippingRange(max(min(near, limit * NEAR_FRACTION), 0.05), limit)


def overview_pose(bounds: tuple[float, ...], view_angle: float, aspect: float) -> dict[str, Any]:
    """Looking north over the whole of ``bounds`` (scene coordinates) from the south, from above.

    The camera stands back just far enough for the eight corners of ``bounds`` to be in view.
    """
    xmin, xmax, ymin, ymax, zmin, zmax = bounds
    centre = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2, zmin + 0.25 * (zmax - zmin)])
    pitch = math.radians(OVERVIEW_PITCH_DEG)
    forward = np.array([0.0, math.cos(pitch), -math.sin(pitch)])
    right = np.array([1.0, 0.0, 0.0])
    up = np.cross(right, forward)
    tan_v = math.tan(math.radians(view_angle) / 2)
    tan_h = tan_v * max(aspect, 1e-3)
    corners = np.array([[x, y, z] for x in (xmin, xmax) for y in (ymin, ymax) for z in (zmin, zmax)]) - centre
    # A corner is in view when |offset across| <= tan(half angle) * (distance + offset along).
    need = np.maximum(np.abs(corners @ right) / tan_h, np.abs(corners @ up) / tan_v) - corners @ forward
    distance = max(1.05 * float(need.max()), 10.0)
    position = centre - distance * forward
    return {"position": position.tolist(), "focal_point": centre.tolist(), "view_up": up.tolist(),
            "view_angle": view_angle}


def street_pose(project: Project, terrain: Terrain | None, bounds: tuple[float, ...],
                exaggeration: float, view_angle: float) -> dict[str, Any]:
    """At street level near the middle of the district, looking down a street into it.

    Candidate spots are the road segments nearest the centre of the buildings (both ways along
    each) or, without roads, points around the centre looking eight ways; the one with the longest
    free line of sight (up to :data:`SIGHT` metres before a footprint) wins.
    """
    xmin, xmax, ymin, ymax = bounds[:4]
    centre = np.array(_buildings_centre(project) or ((xmin + xmax) / 2, (ymin + ymax) / 2))
    eyes, directions = _road_spots(project, centre)
    if len(eyes) == 0:
        eyes, directions = _open_spots(centre, max(xmax - xmin, ymax - ymin))
    footprints = [np.asarray(layer.frame.geometry.values, dtype=object)
                  for layer in project.layers_of_kind("buildings") if layer.visible and layer.frame is not None]
    footprints = np.concatenate(footprints) if footprints else np.empty(0, dtype=object)
    sight = _free_sight(eyes, directions, footprints)
    nearness = np.hypot(*(eyes - centre).T)
    best = int(np.argmax(sight - 0.2 * nearness))
    eye, direction = eyes[best], directions[best]
    ground = 0.0 if terrain is None else float(terrain.sample_or_floor(eye[:1], eye[1:])[0])
    target = eye + 150.0 * direction
    target_ground = 0.0 if terrain is None else float(terrain.sample_or_floor(target[:1], target[1:])[0])
    return {"position": [float(eye[0]), float(eye[1]), ground * exaggeration + STREET_EYE_HEIGHT],
            "focal_point": [float(target[0]), float(target[1]),
                            target_ground * exaggeration + 0.6 * STREET_EYE_HEIGHT],
            "view_up": [0.0, 0.0, 1.0], "view_angle": view_angle}


SIGHT = 400.0
"""Longest line of sight the street view looks for, metres."""


def _buildings_centre(project: Project) -> tuple[float, float] | None:
    boxes = [layer.extent for layer in project.layers_of_kind("buildings")
             if layer.visible and layer.feature_count]
    if not boxes:
        return None
    return (float(np.mean([(b[0] + b[2]) / 2 for b in boxes])), float(np.mean([(b[1] + b[3]) / 2 for b in boxes])))


def _road_spots(project: Project, centre: np.ndarray, count: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Middles of the ``count`` road segments nearest ``centre``, each with both its directions."""
    import shapely

    middles, directions = [], []
    for layer in project.layers_of_kind("vector"):
        if not layer.visible or layer.frame is None or layer.geometry_type != "line":
            continue
        coords, index = shapely.get_coordinates(np.asarray(layer.frame.geometry.values, dtype=object),
                                                return_index=True)
        seg = np.flatnonzero(index[:-1] == index[1:])
        delta = coords[seg + 1] - coords[seg]
        length = np.hypot(*delta.T)
        keep = length > 1.0
        middles.append((coords[seg] + coords[seg + 1])[keep] / 2)
        directions.append(delta[keep] / length[keep, None])
    if not middles or sum(len(m) for m in middles) == 0:
        return np.empty((0, 2)), np.empty((0, 2))
    middle, direction = np.concatenate(middles), np.concatenate(directions)
    nearest = np.argsort(np.hypot(*(middle - centre).T))[:count]
    middle, direction = middle[nearest], direction[nearest]
    return np.concatenate([middle, middle]), np.concatenate([direction, -direction])


def _open_spots(centre: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Points on rings around ``centre``, each looking eight ways."""
    radii = np.array([0.0, 0.05, 0.1, 0.2]) * size
    around = np.radians(np.arange(0, 360, 45))
    ring = np.array([[0.0, 0.0]] + [[r * np.cos(a), r * np.sin(a)] for r in radii[1:] for a in around])
    looks = np.column_stack([np.cos(around), np.sin(around)])
    eyes = np.repeat(centre + ring, len(looks), axis=0)
    return eyes, np.tile(looks, (len(ring), 1))


def _free_sight(eyes: np.ndarray, directions: np.ndarray, footprints: np.ndarray) -> np.ndarray:
    """How far each eye sees along its direction before a footprint (0 when standing inside one)."""
    import shapely

    sight = np.full(len(eyes), SIGHT)
    if len(footprints) == 0 or len(eyes) == 0:
        return sight
    tree = shapely.STRtree(footprints)
    rays = shapely.linestrings(np.stack([eyes, eyes + SIGHT * directions], axis=1))
    ray, hit = tree.query(rays, predicate="intersects")
    if len(ray):
        distance = shapely.distance(shapely.points(eyes[ray]), footprints[hit])
        np.minimum.at(sight, ray, distance)
    return sight
