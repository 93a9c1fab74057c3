"""3D adapter of a :class:`~viewer.core.layers.BuildingsLayer`: prisms or LoD2 surfaces on the terrain.

Footprints are extruded in one vectorised pass (:mod:`viewer.render.extrusion`) from the lowest
terrain point under each footprint to that plus the building's height. A layer with a
:class:`~viewer.core.layers.SurfaceMesh` draws the mesh instead, each building lifted so that its
lowest vertex sits on the terrain (CityJSON heights use another vertical datum than the DEM).
Buildings are cut into spatial tiles, one actor each, so VTK culls the tiles out of view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from viewer.core.layers import BuildingsLayer
from viewer.core.style import Style, feature_colors
from viewer.render.extrusion import lowest_per_feature, prism_tiles, surface_tiles, tile_keys
from viewer.render.vtk_layer import COLORS, FEATURE, HIGHLIGHT_RGB, VtkLayer, colored_actor, rgb_of, triangle_mesh

LOD_PIXELS = 3.0
"""A tile whose nearest buildings would be drawn smaller than this (for a 10 m building) shows
its roofs only: walls a pixel or two high cost most of the triangles and add nothing."""
REFERENCE_SIZE = 10.0
SEMANTIC_RGB = {1: (120, 120, 120), 2: (236, 230, 218), 3: (196, 84, 60)}
"""LoD2 colours by surface class when the style colours no attribute: ground, walls, roofs."""
OTHER_SURFACE_RGB = (214, 208, 196)

if TYPE_CHECKING:
    from viewer.render.labels import LabelCandidates
    from viewer.render.terrain import Terrain


@dataclass
class PreparedBuildings:
    """The tiles of a buildings layer, ready for actors (made off the GUI thread)."""

    meshes: list[Any]
    features: list[np.ndarray]
    semantic: list[np.ndarray]
    feature_tile: np.ndarray
    base: np.ndarray
    top: np.ndarray
    colors: np.ndarray
    labels: LabelCandidates | None


class VtkBuildingsLayer(VtkLayer):
    """Draws a buildings layer as one actor per spatial tile, coloured per building.

    The per-cell ``feature`` array maps every triangle to its building (row of ``layer.frame``);
    restyling rewrites the per-cell colours only, and selecting recolours one building.
    """

    layer: BuildingsLayer

    def __init__(self, layer: BuildingsLayer, scene: Any) -> None:
        super().__init__(layer, scene)
        self.build(PreparedBuildings([], [], [], np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0),
                                     np.zeros((0, 3), dtype=np.uint8), None))  # empty until built

    def work(self) -> int:
        """Footprints (or LoD2 triangles) to extrude, weighted by their cost."""
        mesh, frame = self.layer.mesh, self.layer.frame
        if mesh is not None and len(mesh.triangles):
            return int(len(mesh.triangles))
        return 0 if frame is None else 10 * len(frame)

    def prepare(self, terrain: Terrain | None) -> PreparedBuildings:
        count = self._count()
        style = self.layer.style
        base, top = np.zeros(count), np.zeros(count)
        if self.layer.mesh is not None and len(self.layer.mesh.triangles):
            tiles, base, top = self._surface_tiles(terrain)
        elif self.layer.frame is not None and len(self.layer.frame):
            tiles, base, top = self._prism_tiles(terrain)
        else:
            tiles = []
        colors = self._feature_rgb(style)
        meshes = []
        feature_tile = np.full(count, -1, dtype=np.int64)
        for i, tile in enumerate(tiles):
            mesh = triangle_mesh(tile.points, tile.triangles)
            mesh.cell_data[FEATURE] = tile.feature
            mesh.cell_data[COLORS] = self._cell_rgb(colors, style, tile.feature, tile.semantic)
            meshes.append(mesh)
            feature_tile[tile.feature] = i
        return PreparedBuildings(meshes, [tile.feature for tile in tiles], [tile.semantic for tile in tiles],
                                 feature_tile, base, top, colors, self._labels(style, base, top))

    def build(self, prepared: PreparedBuildings) -> None:
        self._meshes = prepared.meshes
        self._features = prepared.features
        self._semantic = prepared.semantic
        self._feature_tile = prepared.feature_tile
        self._base, self._top, self._colors = prepared.base, prepared.top, prepared.colors
        closed = self.layer.mesh is None
        self._full = [self.add_actor(colored_actor(mesh, "cell", closed=closed)) for mesh in self._meshes]
        self._lod: list[Any] = [None] * len(self._meshes)
        self._lod_cells: list[np.ndarray | None] = [None] * len(self._meshes)
        self._lod_meshes: list[Any] = [None] * len(self._meshes)
        self._use_lod = np.zeros(len(self._meshes), dtype=bool)
        self._tile_box = np.array([m.bounds for m in self._meshes]).reshape(-1, 6)
        if closed and self._meshes:
            self._observer = self.scene.plotter.renderer.AddObserver("StartEvent", self._choose_lod)
        self.set_labels(prepared.labels)

    # -- geometry ------------------------------------------------------------------------------
    def _count(self) -> int:
        frame, mesh = self.layer.frame, self.layer.mesh
        count = 0 if frame is None else len(frame)
        if mesh is not None and len(mesh.feature):
            count = max(count, int(np.max(mesh.feature)) + 1)
        return count

    def _heights(self) -> np.ndarray:
        frame = self.layer.frame
        default = float(self.scene.project.settings.default_height)
        if "height" not in frame.columns:
            return np.full(len(frame), default)
        heights = np.asarray(frame["height"], dtype=np.float64)
        return np.where(np.isfinite(heights) & (heights >= 0), heights, default)

    def _prism_tiles(self, terrain: Terrain | None) -> tuple[list, np.ndarray, np.ndarray]:
        import shapely

        geoms = np.asarray(self.layer.frame.geometry.values, dtype=object)
        bounds = shapely.bounds(geoms)
        cx, cy = _filled((bounds[:, 0] + bounds[:, 2]) / 2), _filled((bounds[:, 1] + bounds[:, 3]) / 2)
        ground = None if terrain is None else terrain.sample_or_floor
        return prism_tiles(geoms, self._heights(), tile_keys(cx, cy), ground)

    def _surface_tiles(self, terrain: Terrain | None) -> tuple[list, np.ndarray, np.ndarray]:
        mesh = self.layer.mesh
        n = self._count()
        corners = np.asarray(mesh.points, dtype=np.float64)[np.asarray(mesh.triangles).ravel()]
        owner = np.repeat(np.asarray(mesh.feature, dtype=np.int64), 3)
        lowest = lowest_per_feature(corners[:, 2], owner, n)
        if terrain is not None:
            ground = lowest_per_feature(terrain.sample(corners[:, 0], corners[:, 1]), owner, n)
            ground = np.where(np.isfinite(ground), ground, terrain.z_min)
        else:
            ground = np.zeros(n)
        lift = np.nan_to_num(ground - lowest)
        base = np.nan_to_num(lowest + lift)
        top = np.nan_to_num(lowest_per_feature(-corners[:, 2], owner, n) * -1 + lift)
        count = np.maximum(np.bincount(owner, minlength=n), 1)
        cx = np.bincount(owner, weights=corners[:, 0], minlength=n) / count
        cy = np.bincount(owner, weights=corners[:, 1], minlength=n) / count
        tiles = surface_tiles(mesh.points, mesh.triangles, mesh.feature, mesh.semantic, lift, tile_keys(cx, cy))
        return tiles, base, top

    # -- colours --------------------------------------------------------------------------------
    def _semantic_colors(self, style: Style) -> bool:
        """Whether LoD2 surfaces are coloured by surface class (the style colours no attribute)."""
        frame = self.layer.frame
        by_field = style.kind != "single" and style.field and frame is not None and style.field in frame
        return self.layer.mesh is not None and not by_field

    def _feature_rgb(self, style: Style) -> np.ndarray:
        n = self._count()
        frame = self.layer.frame
        if frame is None or len(frame) < n:
            return np.tile(np.array(rgb_of(style.color), dtype=np.uint8), (n, 1))
        return feature_colors(style, frame, n)[:, :3]

    def _cell_rgb(self, colors: np.ndarray, style: Style, feature: np.ndarray, semantic: np.ndarray) -> np.ndarray:
        if not self._semantic_colors(style):
            return colors[feature]
        codes = np.asarray(semantic, dtype=np.int64)
        lut = np.tile(np.array(OTHER_SURFACE_RGB, dtype=np.uint8), (max(int(codes.max(initial=0)), 3) + 1, 1))
        for code, rgb in SEMANTIC_RGB.items():
            lut[code] = rgb
        return lut[codes]

    def apply_style(self, style: Style) -> None:
        """Recolour every tile for ``style``; geometry is kept (labels are made again)."""
        self.attach_style(self.prepare_style(style))

    def prepare_style(self, style: Style) -> tuple[np.ndarray, list[np.ndarray], LabelCandidates | None]:
        """Per-building colours, each tile's per-cell colours and the labels for ``style``
        (any thread: reads this adapter's arrays, changes nothing)."""
        colors = self._feature_rgb(style)
        cells = [self._cell_rgb(colors, style, feature, semantic)
                 for feature, semantic in zip(self._features, self._semantic)]
        return colors, cells, self._labels(style, self._base, self._top)

    def attach_style(self, prepared: tuple[np.ndarray, list[np.ndarray], LabelCandidates | None]) -> None:
        """Put the colours and labels from :meth:`prepare_style` in place."""
        self._colors, cells, labels = prepared
        for i, colors in enumerate(cells):
            self._set_tile_colors(i, colors)
        self.set_labels(labels)
        self.set_selected(self.selected)

    def _labels(self, style: Style, base: np.ndarray, top: np.ndarray) -> LabelCandidates | None:
        from viewer.render.labels import building_labels

        return building_labels(self.layer.frame, style.label_field, base, top)

    # -- level of detail ---------------------------------------------------------------------------
    def remove(self) -> None:
        """Take the actors out and stop choosing levels of detail."""
        observer = getattr(self, "_observer", None)
        if observer is not None:
            self.scene.plotter.renderer.RemoveObserver(observer)
            self._observer = None
        super().remove()

    def set_visible(self, visible: bool) -> None:
        """Show each tile at its current level of detail, or hide everything."""
        super().set_visible(visible)
        if visible:
            self._show_levels()

    def _choose_lod(self, *_: Any) -> None:
        """Before each frame: roofs only for the tiles too far away for their walls to show."""
        if not self.layer.visible or not self._meshes:
            return
        renderer = self.scene.plotter.renderer
        camera = renderer.GetActiveCamera()
        height = max(renderer.GetSize()[1], 1)
        scale = np.array([1.0, 1.0, self.scene.exaggeration])
        low, high = self._tile_box[:, 0::2] * scale, self._tile_box[:, 1::2] * scale
        eye = np.array(camera.GetPosition())
        if camera.GetParallelProjection():
            pixels = np.full(len(low), REFERENCE_SIZE * height / (2 * camera.GetParallelScale()))
        else:
            gap = np.linalg.norm(np.maximum(np.maximum(low - eye, eye - high), 0.0), axis=1)
            focal = height / 2 / np.tan(np.radians(camera.GetViewAngle()) / 2)
            pixels = REFERENCE_SIZE * focal / np.maximum(gap, 1.0)
        use = pixels < LOD_PIXELS
        if np.array_equal(use, self._use_lod):
            return
        self._use_lod = use
        self._show_levels()

    def _show_levels(self) -> None:
        for i, coarse in enumerate(self._use_lod):
            if coarse and self._lod[i] is None:
                self._make_lod(i)
            self._full[i].SetVisibility(self.layer.visible and not coarse)
            if self._lod[i] is not None:
                self._lod[i].SetVisibility(self.layer.visible and bool(coarse))

    def _make_lod(self, i: int) -> None:
        """The roofs of tile ``i`` as a mesh of their own (made the first time they are needed)."""
        mesh = self._meshes[i]
        cells = np.flatnonzero(self._semantic[i] == 3)
        triangles = np.asarray(mesh.regular_faces)[cells]
        used, local = np.unique(triangles, return_inverse=True)
        roofs = triangle_mesh(np.asarray(mesh.points)[used], local.reshape(-1, 3))
        roofs.cell_data[FEATURE] = np.asarray(mesh.cell_data[FEATURE])[cells]
        roofs.cell_data[COLORS] = np.asarray(mesh.cell_data[COLORS])[cells]
        actor = self.add_actor(colored_actor(roofs, "cell", closed=True))
        actor.SetScale(1.0, 1.0, self.scene.exaggeration)
        actor.GetProperty().SetOpacity(self.layer.opacity)
        self._lod[i], self._lod_cells[i], self._lod_meshes[i] = actor, cells, roofs

    def _set_tile_colors(self, i: int, colors: np.ndarray) -> None:
        """Give tile ``i`` (and its roofs-only copy, if made) new per-cell colours."""
        self._meshes[i].cell_data[COLORS] = colors
        if self._lod[i] is not None:
            self._lod_meshes[i].cell_data[COLORS] = colors[self._lod_cells[i]]

    # -- selection ------------------------------------------------------------------------------
    def set_selected(self, index: int | None) -> None:
        """Draw building ``index`` in the highlight colour (None: restore the previous one)."""
        previous, self.selected = self.selected, index
        for feature, rgb in ((previous, None), (index, HIGHLIGHT_RGB)):
            if feature is None or not 0 <= feature < len(self._feature_tile):
                continue
            tile = self._feature_tile[feature]
            if tile < 0:
                continue
            mesh = self._meshes[tile]
            cells = np.flatnonzero(np.asarray(mesh.cell_data[FEATURE]) == feature)
            colors = np.array(mesh.cell_data[COLORS])
            if rgb is None:
                colors[cells] = self._cell_rgb(self._colors, self.layer.style, np.full(len(cells), feature),
                                               self._semantic[tile][cells])
            else:
                colors[cells] = rgb
            self._set_tile_colors(tile, colors)

    def building_z(self) -> tuple[np.ndarray, np.ndarray]:
        """(base, top) z of every building in metres, before exaggeration (empty until built)."""
        return self._base.copy(), self._top.copy()


def _filled(values: np.ndarray) -> np.ndarray:
    """``values`` with NaN (empty geometries) replaced by the mean, so they do not stretch the tiling."""
    finite = np.isfinite(values)
    return np.where(finite, values, values[finite].mean() if finite.any() else 0.0)
