"""Smoke test of the frozen CityTwin: run the bundle as a user would and check what it produces.

Usage: python3 packaging/smoke_test.py dist/CityTwin            (the one-folder bundle)
       python3 packaging/smoke_test.py dist/CityTwin-X-linux-x86_64.tar.gz   (unpacked first)
Options: --quick (leave out the flood run), --gui-seconds N (default 20), --keep (keep the temp folder)

Needs only the Python standard library, Xvfb and (for the network check) unshare. Every run of the
app gets a fresh HOME and XDG folders in a temp folder, an environment built from nothing (no
PYTHONPATH, VIRTUAL_ENV, PROJ_*, GDAL_*, LD_LIBRARY_PATH; PATH=/usr/bin:/bin), a cwd outside the
checkout, its own X server and, where possible, no network at all (a new network namespace).
The expected numbers below were measured with the non-frozen install (`.venv/bin/citytwin info`,
`citytwin selftest`, `citytwin render`, `citytwin scenario run flood`) on the same demo files.
Prints a table of the checks; exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib
from pathlib import Path

# --- what the non-frozen install gives on the demo district (resources/demo/ninh_kieu) ---------------
EXPECT_LAYERS = {"district_boundary": 1, "water": 7, "roads": 672, "buildings": 5438, "facilities": 43}
EXPECT_BUILDINGS_EXTENT = (584439.70, 1108026.26, 587372.82, 1110473.53)
EXPECT_DEM = {"cells": 468750, "shape": [625, 750], "extent": (584400.0, 1108000.0, 587400.0, 1110500.0),
              "centre_value": 1.1130000352859497, "mean": 0.48325646666666666}
CRS = "EPSG:5897"
# WGS 84 lon 105.7851, lat 10.0341 in VN-2000 / TM-3 zone 482 through EPSG:6960 (the app's operation)
EXPECT_VN2000_XY = (585866.9450253951, 1109730.0145311267)
VN2000_TOLERANCE_M = 0.01
# `citytwin render --view 3d --size 800x450` of the demo: the scene's background colour, the share of
# pixels that are not background, that are strongly coloured, and how many colours there are.
RENDER_SIZE = (800, 450)
EXPECT_RENDER = {"background": (223, 231, 238), "not_background": 0.565, "coloured": 0.385, "colours": 11628}
RENDER_TOLERANCE = 0.03
# The main window on a 1920x1080 screen after 20 s (non-frozen): share of non-black pixels, colours,
# and the 3D view's background (same colour as above) on 10.9 % of the screen.
EXPECT_SCREEN = {"not_black": 0.73, "colours": 38908, "view3d_share": 0.109}
# the demo's sensor recording (Parquet, read by pyarrow): segments, rows of the first one
EXPECT_RECORDING = {"segments": 48, "first_rows": 228}
# `citytwin scenario run flood --scenario design-storm` on the demo district
EXPECT_FLOOD = {"buildings_affected": 4163, "max_depth_m": 1.6777, "roads_cut": 98, "frames": 49}

TRACEBACK = re.compile(r"Traceback \(most recent call last\)|Fatal Python error|Segmentation fault")


# --- images, read with the standard library only ---------------------------------------------------
def read_png(path: Path) -> tuple[int, int, bytes]:
    """(width, height, RGB bytes) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {colour})")
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    out = bytearray()
    for y in range(height):
        kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 255
        elif kind == 2:
            row = bytearray((a + b) & 255 for a, b in zip(row, prev))
        elif kind == 3:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + ((left + prev[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += row if bpp == 3 else bytes(v for i, v in enumerate(row) if i % 4 != 3)
        prev = row
    return width, height, bytes(out)


def read_ppm(path: Path) -> tuple[int, int, bytes]:
    """(width, height, RGB bytes) of a binary PPM (P6, maxval 255), as Qt writes it."""
    data = path.read_bytes()
    fields = re.match(rb"P6\s+(?:#.*\s+)*(\d+)\s+(\d+)\s+(\d+)\s", data)
    if not fields or int(fields.group(3)) != 255:
        raise ValueError(f"{path} is not an 8-bit binary PPM")
    width, height = int(fields.group(1)), int(fields.group(2))
    return width, height, data[fields.end():fields.end() + width * height * 3]


def pixels(rgb: bytes, step: int = 1) -> list[tuple[int, int, int]]:
    return [tuple(rgb[i:i + 3]) for i in range(0, len(rgb) - 2, 3 * step)]


def near(c1: tuple[int, ...], c2: tuple[int, ...], tol: int) -> bool:
    return max(abs(a - b) for a, b in zip(c1, c2)) <= tol


def coloured(p: tuple[int, int, int]) -> bool:
    return max(p) - min(p) > 40


# --- running the bundle ------------------------------------------------------------------------------
class Sandbox:
    """A fresh HOME, XDG folders, cwd and environment, an X server and (if possible) no network."""

    def __init__(self, root: Path, exe: Path) -> None:
        self.root, self.exe = root, exe
        home = root / "home"
        dirs = {"HOME": home, "XDG_CONFIG_HOME": home / ".config", "XDG_CACHE_HOME": home / ".cache",
                "XDG_DATA_HOME": home / ".local/share", "XDG_STATE_HOME": home / ".local/state",
                "XDG_RUNTIME_DIR": root / "runtime", "TMPDIR": root / "tmp"}
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        (root / "runtime").chmod(0o700)
        self.cwd = root / "work"
        self.cwd.mkdir(exist_ok=True)
        self.env = {k: str(v) for k, v in dirs.items()}
        self.env.update(PATH="/usr/bin:/bin", LANG="C.UTF-8", LC_ALL="C.UTF-8", USER=os.environ.get("USER", "user"))
        self.xvfb = self._start_xvfb()
        self.prefix = self._no_network_prefix()

    def _start_xvfb(self) -> subprocess.Popen:
        read, write = os.pipe()
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1920x1080x24",
                                 "-nolisten", "tcp"], pass_fds=(write,), stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as pipe:
            display = pipe.readline().strip()
        if not display:
            raise SystemExit("Xvfb did not start")
        self.env["DISPLAY"] = f":{display}"
        return xvfb

    def _no_network_prefix(self) -> list[str]:
        # A new network namespace has only a loopback that is down: any download would fail. The X
        # server is still reached through its socket file.
        for prefix in (["unshare", "--net", "--"], ["unshare", "--map-root-user", "--net", "--"]):
            try:
                ok = subprocess.run([*prefix, "true"], capture_output=True, timeout=20).returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                ok = False
            if ok:
                return prefix
        return []

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([*self.prefix, str(self.exe), *args], cwd=self.cwd, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def start(self, *args: str, out: Path, err: Path) -> subprocess.Popen:
        return subprocess.Popen([*self.prefix, str(self.exe), *args], cwd=self.cwd, env=self.env,
                                stdout=out.open("w"), stderr=err.open("w"), start_new_session=True)

    def close(self) -> None:
        self.xvfb.terminate()
        self.xvfb.wait(10)


class Report:
    def __init__(self) -> None:
        self.rows: list[tuple[str, bool, str]] = []

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.rows.append((name, bool(ok), detail))
        return bool(ok)

    def print(self) -> None:
        width = max(len(name) for name, _, _ in self.rows)
        print(f"\n{'check':<{width}} | result | detail")
        print(f"{'-' * width}-+--------+-{'-' * 60}")
        for name, ok, detail in self.rows:
            print(f"{name:<{width}} | {'PASS' if ok else 'FAIL':<6} | {detail}")
        failed = sum(not ok for _, ok, _ in self.rows)
        print(f"\n{len(self.rows) - failed} passed, {failed} failed")


def clean_stderr(text: str) -> str:
    tail = " / ".join(line.strip() for line in text.strip().splitlines()[-3:])
    return "no traceback" if not TRACEBACK.search(text) else f"TRACEBACK: {tail[:300]}"


# --- the checks ------------------------------------------------------------------------------------
def check_render(box: Sandbox, report: Report) -> None:
    out = box.root / "render3d.png"
    size = f"{RENDER_SIZE[0]}x{RENDER_SIZE[1]}"
    t0 = time.monotonic()
    proc = box.run("render", "--view", "3d", "--size", size, "--out", str(out))
    took = time.monotonic() - t0
    report.check("render: exit code, no traceback", proc.returncode == 0 and not TRACEBACK.search(proc.stderr),
                 f"rc {proc.returncode}, {took:.1f} s, {clean_stderr(proc.stderr)}")
    if not out.is_file():
        report.check("render: PNG written", False, f"{out} missing; stdout: {proc.stdout.strip()[-200:]}")
        return
    width, height, rgb = read_png(out)
    report.check("render: PNG size", (width, height) == RENDER_SIZE, f"{width}x{height}, expected {size}")
    px = pixels(rgb)
    bg = px[0]
    not_bg = sum(not near(p, bg, 8) for p in px) / len(px)
    col = sum(coloured(p) for p in px) / len(px)
    colours = len(set(px))
    e = EXPECT_RENDER
    report.check("render: background colour", near(bg, e["background"], 3), f"{bg}, expected {e['background']}")
    report.check("render: scene drawn (pixels not background)", abs(not_bg - e["not_background"]) <= RENDER_TOLERANCE,
                 f"{not_bg:.3f}, non-frozen {e['not_background']:.3f} +- {RENDER_TOLERANCE}")
    report.check("render: map colours (strongly coloured pixels)", abs(col - e["coloured"]) <= RENDER_TOLERANCE,
                 f"{col:.3f}, non-frozen {e['coloured']:.3f} +- {RENDER_TOLERANCE}")
    report.check("render: distinct colours", colours >= e["colours"] // 2,
                 f"{colours}, non-frozen {e['colours']} (at least half)")


def parse_info(text: str) -> dict[str, dict[str, str]]:
    layers: dict[str, dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("  layer: "):
            current = layers.setdefault(line.split(": ", 1)[1].strip(), {})
        elif current is not None and line.startswith("    ") and ": " in line:
            key, value = line.strip().split(": ", 1)
            current[key] = value
    return layers


def check_info(box: Sandbox, report: Report, demo: Path) -> None:
    proc = box.run("info", str(demo / "district.gpkg"), str(demo / "dem.tif"))
    report.check("info: exit code, no traceback", proc.returncode == 0 and not TRACEBACK.search(proc.stderr),
                 f"rc {proc.returncode}, {clean_stderr(proc.stderr)}")
    layers = parse_info(proc.stdout)
    counts = {name: int(layers.get(name, {}).get("features", "-1")) for name in EXPECT_LAYERS}
    report.check("info: GeoPackage layers and feature counts", counts == EXPECT_LAYERS,
                 ", ".join(f"{k} {v}" for k, v in counts.items()))
    buildings = layers.get("buildings", {})
    extent = tuple(float(v) for v in buildings.get("extent", "0,0,0,0").split(","))
    report.check("info: buildings CRS and extent",
                 buildings.get("crs", "").startswith(CRS) and all(
                     abs(a - b) < 0.01 for a, b in zip(extent, EXPECT_BUILDINGS_EXTENT)),
                 f"{buildings.get('crs')}; {buildings.get('extent')}")
    dem = layers.get("dem", {})
    extent = tuple(float(v) for v in dem.get("extent", "0,0,0,0").split(","))
    report.check("info: GeoTIFF cells, CRS, extent",
                 dem.get("kind") == "raster" and int(dem.get("features", -1)) == EXPECT_DEM["cells"]
                 and dem.get("crs", "").startswith(CRS) and extent == EXPECT_DEM["extent"],
                 f"{dem.get('features')} cells, {dem.get('crs')}; {dem.get('extent')}")


def inside(path: str | None, folder: Path) -> bool:
    return bool(path) and Path(path).resolve().is_relative_to(folder.resolve())


def check_selftest(box: Sandbox, report: Report, internal: Path) -> dict:
    proc = box.run("selftest")
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        report.check("selftest: JSON report", False, f"rc {proc.returncode}; {clean_stderr(proc.stderr)}")
        return {}
    report.check("selftest: every part measured", proc.returncode == 0,
                 "; ".join(f"{k}: {v['error']}" for k, v in data.items() if "error" in v) or "no errors")
    dirs = {}
    for lib, sub in (("pyproj", "pyproj/proj_dir/share/proj"), ("rasterio", "rasterio/proj_data"),
                     ("pyogrio", "pyogrio/proj_data")):
        part = data.get(lib, {})
        dirs[lib] = part.get("dir")
        # (pyogrio's GDAL also carries a proj.db inside the library, used if the folder were missing)
        report.check(f"{lib}: its own proj.db in the bundle",
                     part.get("proj_db") and inside(part.get("dir"), internal / sub),
                     f"{part.get('dir')} (PROJ {part.get('proj_db_version')})")
    report.check("PROJ data: three separate folders", len({d for d in dirs.values() if d}) == 3,
                 ", ".join(f"{k}: {Path(v).parent.name if v else None}" for k, v in dirs.items()))
    report.check("pyproj: EPSG:5897", data.get("pyproj", {}).get("crs_name") == "VN-2000 / TM-3 zone 482",
                 str(data.get("pyproj", {}).get("crs_name")))
    rio = data.get("rasterio", {})
    report.check("rasterio: EPSG:5897, GDAL data in the bundle",
                 rio.get("crs_epsg") == 5897 and rio.get("crs_is_vn2000") and inside(rio.get("gdal_data"),
                                                                                     internal / "rasterio"),
                 f"EPSG {rio.get('crs_epsg')}, GDAL {rio.get('gdal')}, GDAL_DATA {rio.get('gdal_data')}")
    ogr = data.get("pyogrio", {})
    report.check("pyogrio: EPSG:5897 written and read, GDAL data in the bundle",
                 ogr.get("crs_written_and_read") == CRS and inside(ogr.get("gdal_data"), internal / "pyogrio"),
                 f"{ogr.get('crs_written_and_read')}, GDAL {ogr.get('gdal')}, GDAL_DATA {ogr.get('gdal_data')}")
    vn = data.get("vn2000", {})
    xy = vn.get("xy") or [float("nan")] * 2
    error = max(abs(a - b) for a, b in zip(xy, EXPECT_VN2000_XY))
    report.check("VN-2000: lon 105.7851 lat 10.0341 -> EPSG:5897", error <= VN2000_TOLERANCE_M,
                 f"x {xy[0]:.3f} y {xy[1]:.3f}, off by {error:.4f} m (<= {VN2000_TOLERANCE_M}); "
                 f"{vn.get('operation')}")
    dem = data.get("dem", {})
    report.check("rasterio: demo DEM read",
                 dem.get("shape") == EXPECT_DEM["shape"] and dem.get("crs") == CRS
                 and abs(dem.get("centre_value", 1e9) - EXPECT_DEM["centre_value"]) < 1e-4
                 and abs(dem.get("mean", 1e9) - EXPECT_DEM["mean"]) < 1e-5,
                 f"shape {dem.get('shape')}, {dem.get('crs')}, centre {dem.get('centre_value')}, mean {dem.get('mean')}")
    bld = data.get("buildings", {})
    report.check("pyogrio: demo buildings read", bld.get("features") == EXPECT_LAYERS["buildings"]
                 and bld.get("crs") == CRS, f"{bld.get('features')} {bld.get('geometry_type')}, {bld.get('crs')}")
    rec = data.get("recording", {})
    report.check("pyarrow: demo sensor recording (Parquet) read",
                 rec.get("segments") == EXPECT_RECORDING["segments"] and rec.get("first_rows") == EXPECT_RECORDING[
                     "first_rows"], f"{rec.get('segments')} segments, {rec.get('first_rows')} rows in the first")
    nb = data.get("numba", {})
    report.check("numba: compiles, flood kernels cacheable", nb.get("njit_1_plus_2") == 3 and nb.get(
        "flood_kernels_import"), f"numba {nb.get('version')}")
    b = data.get("bundle", {})
    env_clean = not any((b.get("env") or {"?": "?"}).values())
    report.check("bundle: code, resources from the bundle; no PROJ/GDAL variables",
                 b.get("frozen") and inside(b.get("viewer"), internal) and inside(b.get("resources"), internal)
                 and b.get("demo") and env_clean,
                 f"viewer {b.get('viewer')}; env {b.get('env')}")
    report.check("bundle: translations and icons",
                 "citytwin_vi.qm" in b.get("translations", []) and "citytwin.svg" in b.get("icons", []),
                 f"{', '.join(b.get('translations', []))}; {len(b.get('icons', []))} icon files")
    return data


def check_gui(box: Sandbox, report: Report, seconds: float) -> None:
    out, err = box.root / "gui.out", box.root / "gui.err"
    started = time.monotonic()
    gui = box.start(out=out, err=err)
    shot = box.root / "screen.ppm"
    # a second process of the bundle grabs the screen a few seconds before the end (it starts in ~2 s)
    grab = box.run("selftest", "--grab-screen", str(shot), "--delay", str(max(seconds - 6, 1)),
                   timeout=seconds + 120)
    while time.monotonic() < started + seconds and gui.poll() is None:
        time.sleep(0.5)
    alive = gui.poll() is None
    if alive:
        os.killpg(gui.pid, signal.SIGTERM)
        try:
            gui.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(gui.pid, signal.SIGKILL)
            gui.wait()
    text = err.read_text(errors="replace")
    report.check(f"GUI: still running after {seconds:.0f} s", alive,
                 "running" if alive else f"exited with {gui.returncode}")
    log = box.root / "home/.local/state/CityTwin/log/citytwin.log"
    logged = log.read_text(errors="replace") if log.is_file() else ""
    report.check("GUI: no traceback on stderr or in the log",
                 not TRACEBACK.search(text) and "uncaught exception" not in logged,
                 f"{clean_stderr(text)}; stderr {len(text.splitlines())} lines; log {'has' if logged else 'no'} entries")
    if grab.returncode != 0 or not shot.is_file():
        report.check("GUI: screenshot", False, f"grab failed: {grab.stderr.strip()[-200:]}")
        return
    width, height, rgb = read_ppm(shot)
    px = pixels(rgb, step=3)
    not_black = sum(sum(p) > 30 for p in px) / len(px)
    colours = len(set(pixels(rgb)))
    view3d = sum(near(p, EXPECT_RENDER["background"], 3) for p in px) / len(px)
    e = EXPECT_SCREEN
    report.check("GUI: window on screen", (width, height) == (1920, 1080) and not_black >= e["not_black"] - 0.1,
                 f"{width}x{height}, {not_black:.2f} not black (non-frozen {e['not_black']})")
    report.check("GUI: map drawn (distinct colours)", colours >= e["colours"] // 3,
                 f"{colours} colours (non-frozen {e['colours']}, at least a third)")
    report.check("GUI: 3D view drawn (its background on screen)", view3d >= e["view3d_share"] / 2,
                 f"{view3d:.3f} of the screen (non-frozen {e['view3d_share']})")


def check_flood(box: Sandbox, report: Report, demo: Path) -> None:
    out = box.root / "flood"
    t0 = time.monotonic()
    proc = box.run("scenario", "run", "flood", "--project", str(demo), "--scenario", "design-storm",
                   "--out", str(out), timeout=900)
    took = time.monotonic() - t0
    summary = out / "summary.json"
    if proc.returncode != 0 or not summary.is_file():
        report.check("flood: scenario run (numba, parallel)", False,
                     f"rc {proc.returncode}, {clean_stderr(proc.stderr)}")
        return
    s = json.loads(summary.read_text())
    got = {"buildings_affected": s["impacts"]["buildings_affected"], "max_depth_m": s["max_depth_m"],
           "roads_cut": s["impacts"]["roads_cut"], "frames": s["frames"]}
    e = EXPECT_FLOOD
    ok = (got["frames"] == e["frames"] and abs(got["max_depth_m"] - e["max_depth_m"]) <= 0.01
          and abs(got["buildings_affected"] - e["buildings_affected"]) <= 0.01 * e["buildings_affected"]
          and abs(got["roads_cut"] - e["roads_cut"]) <= 2 and abs(s["mass_balance_error"]) < 1e-9)
    report.check("flood: design storm on the demo (numba, parallel)", ok,
                 f"{took:.0f} s; buildings {got['buildings_affected']} (non-frozen {e['buildings_affected']}), "
                 f"max depth {got['max_depth_m']:.3f} m ({e['max_depth_m']}), roads cut {got['roads_cut']} "
                 f"({e['roads_cut']}), {got['frames']} frames, mass error {s['mass_balance_error']:.1e}")


def check_install(box: Sandbox, report: Report, bundle: Path) -> None:
    script = bundle / "install.sh"
    env = dict(box.env)
    run = lambda *a: subprocess.run(["/bin/sh", str(script), *a], env=env, cwd=box.cwd,  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    proc = run("--in-place")
    data = Path(env["XDG_DATA_HOME"])
    desktop = data / "applications/citytwin.desktop"
    text = desktop.read_text() if desktop.is_file() else ""
    exec_ok = f'Exec="{bundle}/CityTwin" %F' in text
    validate = shutil.which("desktop-file-validate")
    valid = subprocess.run([validate, str(desktop)], capture_output=True, text=True) if validate and text else None
    icons = sorted(p.parent.parent.name for p in data.glob("icons/hicolor/*/apps/citytwin.*"))
    link = Path(env["HOME"]) / ".local/bin/citytwin"
    report.check("install.sh: menu entry, icons, command",
                 proc.returncode == 0 and exec_ok and (valid is None or valid.returncode == 0)
                 and len(icons) == 6 and link.resolve() == (bundle / "CityTwin").resolve(),
                 f"rc {proc.returncode}; Exec {'absolute' if exec_ok else 'WRONG'}; "
                 f"desktop-file-validate {'not found' if valid is None else 'ok' if valid.returncode == 0 else valid.stdout}; "
                 f"icons {', '.join(icons)}")
    proc = run("--uninstall")
    left = [p for p in (desktop, link, *data.glob("icons/hicolor/*/apps/citytwin.*")) if p.exists() or p.is_symlink()]
    report.check("install.sh --uninstall", proc.returncode == 0 and not left and (bundle / "CityTwin").exists(),
                 f"rc {proc.returncode}; left: {[str(p) for p in left] or 'nothing'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", help="dist/CityTwin, or the .tar.gz made from it")
    parser.add_argument("--quick", action="store_true", help="leave out the flood run")
    parser.add_argument("--gui-seconds", type=float, default=20.0)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="citytwin-smoke-"))
    source = Path(args.bundle).resolve()
    if source.is_file():
        with tarfile.open(source) as tar:
            # the "tar" filter keeps the bundle's relative symlinks and refuses paths leaving the folder
            options = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}
            tar.extractall(root / "unpacked", **options)
        bundle = root / "unpacked" / "CityTwin"
    else:
        bundle = source
    exe = bundle / "CityTwin"
    internal = bundle / "_internal"
    demo = internal / "resources/demo/ninh_kieu"
    report = Report()
    if not report.check("bundle: CityTwin executable", os.access(exe, os.X_OK), str(exe)):
        report.print()
        return 1
    box = Sandbox(root, exe)
    print(f"bundle {bundle}\ntemp {root}\nDISPLAY {box.env['DISPLAY']}, network: "
          f"{'none (' + ' '.join(box.prefix[:-1]) + ')' if box.prefix else 'NOT isolated (unshare unavailable)'}",
          flush=True)
    t0 = time.monotonic()
    try:
        steps = [("render", lambda: check_render(box, report)), ("info", lambda: check_info(box, report, demo)),
                 ("selftest", lambda: check_selftest(box, report, internal)),
                 ("gui", lambda: check_gui(box, report, args.gui_seconds)),
                 ("install", lambda: check_install(box, report, bundle))]
        if not args.quick:
            steps.append(("flood", lambda: check_flood(box, report, demo)))
        for name, step in steps:
            print(f"... {name}", flush=True)
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - one broken step must not hide the others
                report.check(f"{name}: ran", False, f"{type(exc).__name__}: {exc}")
    finally:
        box.close()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    report.check("network isolated while running", bool(box.prefix),
                 "every run in a network namespace with no interface up" if box.prefix else "unshare unavailable")
    report.print()
    print(f"smoke test took {time.monotonic() - t0:.0f} s")
    return 0 if all(ok for _, ok, _ in report.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
