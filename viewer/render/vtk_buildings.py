"""3D adapter of a :class:`~viewer.core.layers.BuildingsLayer`: prisms or LoD2 surfaces on the terrain.

Footprints are extruded in one vectorised pass (:mod:`viewer.render.extrusion`) from the lowest
terrain point under each footprint to that plus the building's height. A layer with a
:class:`~viewer.core.layers.SurfaceMesh` draws the mesh instead, each building lifted so that its
lowest vertex sits on the terrain (CityJSON heights use another vertical datum than the DEM).
Buildings are cut into spatial tiles, one actor each, so VTK culls the tiles out of view.
"""

from __future__ import annotations

from typing import Any

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


class VtkBuildingsLayer(VtkLayer):
    """Draws a buildings layer as one actor per spatial tile, coloured per building.

    The per-cell ``feature`` array maps every triangle to its building (row of ``layer.frame``);
    restyling rewrites the per-cell colours only, and selecting recolours one building.
    """

    layer: BuildingsLayer

    def build(self) -> None:
        self._meshes: list[Any] = []
        self._full: list[Any] = []
        self._lod: list[Any] = []
        self._lod_cells: list[np.ndarray | None] = []
        self._lod_meshes: list[Any] = []
        self._semantic: list[np.ndarray] = []
        self._feature_tile = np.full(self._count(), -1, dtype=np.int64)
        self._base = np.zeros(self._count())
        self._top = np.zeros(self._count())
        if self.layer.mesh is not None and len(self.layer.mesh.triangles):
            tiles = self._surface_tiles()
        elif self.layer.frame is not None and len(self.layer.frame):
            tiles = self._prism_tiles()
        else:
            tiles = []
        self._colors = self._feature_rgb(self.layer.style)
        for i, tile in enumerate(tiles):
            mesh = triangle_mesh(tile.points, tile.triangles)
            mesh.cell_data[FEATURE] = tile.feature
            mesh.cell_data[COLORS] = self._cell_rgb(tile.feature, tile.semantic)
            self._meshes.append(mesh)
            self._semantic.append(tile.semantic)
            self._feature_tile[tile.feature] = i
            self._full.append(self.add_actor(colored_actor(mesh, "cell", closed=self.layer.mesh is None)))
            self._lod.append(None)
            self._lod_cells.append(None)
            self._lod_meshes.append(None)
        self._use_lod = np.zeros(len(self._meshes), dtype=bool)
        self._tile_box = np.array([m.bounds for m in self._meshes]).reshape(-1, 6)
        if self.layer.mesh is None and self._meshes:
            self._observer = self.scene.plotter.renderer.AddObserver("StartEvent", self._choose_lod)
        self._add_labels()

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

    def _prism_tiles(self) -> list:
        import shapely

        geoms = np.asarray(self.layer.frame.geometry.values, dtype=object)
        terrain = self.scene.terrain
        bounds = shapely.bounds(geoms)
        cx, cy = _filled((bounds[:, 0] + bounds[:, 2]) / 2), _filled((bounds[:, 1] + bounds[:, 3]) / 2)
        ground = None if terrain is None else terrain.sample_or_floor
        tiles, self._base, self._top = prism_tiles(geoms, self._heights(), tile_keys(cx, cy), ground)
        return tiles

    def _surface_tiles(self) -> list:
        mesh = self.layer.mesh
        n = self._count()
        corners = np.asarray(mesh.points, dtype=np.float64)[np.asarray(mesh.triangles).ravel()]
        owner = np.repeat(np.asarray(mesh.feature, dtype=np.int64), 3)
        lowest = lowest_per_feature(corners[:, 2], owner, n)
        terrain = self.scene.terrain
        if terrain is not None:
            ground = lowest_per_feature(terrain.sample(corners[:, 0], corners[:, 1]), owner, n)
            ground = np.where(np.isfinite(ground), ground, terrain.z_min)
        else:
            ground = np.zeros(n)
        lift = np.nan_to_num(ground - lowest)
        self._base = np.nan_to_num(lowest + lift)
        self._top = np.nan_to_num(lowest_per_feature(-corners[:, 2], owner, n) * -1 + lift)
        count = np.maximum(np.bincount(owner, minlength=n), 1)
        cx = np.bincount(owner, weights=corners[:, 0], minlength=n) / count
        cy = np.bincount(owner, weights=corners[:, 1], minlength=n) / count
        return surface_tiles(mesh.points, mesh.triangles, mesh.feature, mesh.semantic, lift,
                             tile_keys(cx, cy))

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

    def _cell_rgb(self, feature: np.ndarray, semantic: np.ndarray) -> np.ndarray:
        if not self._semantic_colors(self.layer.style):
            return self._colors[feature]
        codes = np.asarray(semantic, dtype=np.int64)
        lut = np.tile(np.array(OTHER_SURFACE_RGB, dtype=np.uint8), (max(int(codes.max(initial=0)), 3) + 1, 1))
        for code, rgb in SEMANTIC_RGB.items():
            lut[code] = rgb
        return lut[codes]

    def apply_style(self, style: Style) -> None:
        """Recolour every tile for ``style``; geometry is kept (labels are rebuilt)."""
        self._colors = self._feature_rgb(style)
        for i, (mesh, semantic) in enumerate(zip(self._meshes, self._semantic)):
            self._set_tile_colors(i, self._cell_rgb(np.asarray(mesh.cell_data[FEATURE]), semantic))
        if self.labels is not None:
            self.scene.plotter.renderer.RemoveActor(self.labels.actor)
            self.actors.remove(self.labels.actor)
            self.labels = None
        self._add_labels()
        self.set_selected(self.selected)

    def _add_labels(self) -> None:
        import shapely

        from viewer.render.labels import choose_labels, label_texts

        frame = self.layer.frame
        texts = label_texts(frame, self.layer.style.label_field)
        if texts is None or len(texts) != len(self._top):
            return
        keep = choose_labels(texts, self._top - self._base)  # the tallest first
        anchor = shapely.point_on_surface(np.asarray(frame.geometry.values, dtype=object)[keep])
        xy = np.column_stack([shapely.get_x(anchor), shapely.get_y(anchor)])
        keep, xy = keep[np.isfinite(xy).all(axis=1)], xy[np.isfinite(xy).all(axis=1)]
        points = np.column_stack([xy, self._top[keep] + 2.0])
        self.add_labels(points, [texts[i] for i in keep], self._top[keep] - self._base[keep])
        if self.labels is not None:
            self.labels.actor.SetVisibility(self.layer.visible)

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
        if not self.layer.visible or not len(self._meshes):
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
                colors[cells] = self._cell_rgb(np.full(len(cells), feature), self._semantic[tile][cells])
            else:
                colors[cells] = rgb
            self._set_tile_colors(tile, colors)

    def building_z(self) -> tuple[np.ndarray, np.ndarray]:
        """(base, top) z of every building in metres, before exaggeration."""
        return self._base.copy(), self._top.copy()


def _filled(values: np.ndarray) -> np.ndarray:
    """``values`` with NaN (empty geometries) replaced by the mean, so they do not stretch the tiling."""
    finite = np.isfinite(values)
    return np.where(finite, values, values[finite].mean() if finite.any() else 0.0)
