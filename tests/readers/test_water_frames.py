"""Water-depth frames on disk: written and read back, and files that are not such frames refused."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.water_layer import WaterDepthLayer
from viewer.readers.errors import ReadError
from viewer.readers.water_frames import read_water, write_water

TRANSFORM = (20.0, 0.0, 584400.0, 0.0, -20.0, 1110500.0)


def layer() -> WaterDepthLayer:
    frames = np.zeros((3, 4, 5), np.float32)
    frames[1, 1, 2], frames[2, 1:3, 1:4] = 0.3, 0.8
    return WaterDepthLayer(name="lũ", frames=frames, times_ns=np.array([0, 300, 600]) * 10**9,
                           bed=np.full((4, 5), 1.2, np.float32), crs="EPSG:5897", transform=TRANSFORM)


def test_frames_times_and_bed_come_back(tmp_path):
    original = layer()
    write_water(original, tmp_path / "water.tif")
    again = read_water(tmp_path / "water.tif")
    assert np.array_equal(again.frames, original.frames) and np.array_equal(again.times_ns, original.times_ns)
    assert np.allclose(again.bed, 1.2) and again.transform == TRANSFORM and again.crs == "EPSG:5897"


def test_the_shown_frame_follows_the_clock_and_hides_shallow_water():
    water = layer()
    assert water.frame_index == 0 and not np.isfinite(water.data).any()
    assert water.show_time(450 * 10**9) and water.frame_index == 1
    assert np.isfinite(water.data[0]).sum() == 1 and water.data[0, 1, 2] == pytest.approx(0.3)
    assert not water.show_time(500 * 10**9)  # same frame: no event
    times, depth = water.depth_series(584400.0 + 2.5 * 20, 1110500.0 - 1.5 * 20)
    assert depth.tolist() == pytest.approx([0.0, 0.3, 0.8])


def test_a_plain_geotiff_is_refused_with_its_name(tmp_path):
    import rasterio
    from affine import Affine

    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=5, height=4, count=1, dtype="float32",
                       crs="EPSG:5897", transform=Affine(*TRANSFORM)) as dst:
        dst.write(np.ones((1, 4, 5), np.float32))
    with pytest.raises(ReadError, match="dem.tif.*not a CityTwin water-depth file"):
        read_water(path)
    (tmp_path / "broken.tif").write_bytes(b"II*\x00garbage")
    with pytest.raises(ReadError, match="broken.tif"):
        read_water(tmp_path / "broken.tif")


def test_the_3d_surface_stands_at_the_water_level():
    from viewer.render.vtk_water import LIFT_M, water_surface

    depth = np.zeros((3, 3))
    depth[1, 1] = 0.5
    bed = np.full((3, 3), 2.0)
    points, triangles, cells = water_surface(depth, bed, (1.0, 0.0, 10.0, 0.0, -1.0, 20.0))
    assert len(points) == 4 and len(triangles) == 2 and set(cells) == {4}
    assert np.allclose(points[:, 2], 2.5 + LIFT_M)
    assert sorted(map(tuple, points[:, :2])) == [(11.0, 18.0), (11.0, 19.0), (12.0, 18.0), (12.0, 19.0)]
