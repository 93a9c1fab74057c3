"""``citytwin validate flood``'s command layer: reading the data, running cases, printing the table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from viewer.commands.flood_validation import (CASES, format_markdown, format_table, main, read_zipped_grid,
                                              read_merewether, validate_flood, write_figures)
from viewer.scenarios.flood.validation import ValidationRow


def test_validate_flood_returns_rows_and_the_table_shows_them(shared_data: Path):
    rows = validate_flood(shared_data, cases=["lake_at_rest"])
    assert all(isinstance(r, ValidationRow) and r.case == "lake_at_rest" for r in rows)
    checked = [r for r in rows if r.passed is not None]
    assert len(checked) == 4 and all(r.passed for r in checked)
    table = format_table(rows).splitlines()
    assert table[0].split("|")[0].strip() == "case" and "threshold" in table[0]
    assert sum("PASS" in line for line in table) == 4
    assert format_markdown(rows).count("**pass**") == 4


def test_a_failing_row_reads_fail():
    rows = [ValidationRow("x", "rmse (m)", 0.2, "<= 0.15", False), ValidationRow("x", "n", 3.0, "info", None)]
    table = format_table(rows)
    assert "FAIL" in table and "0.2000" in table and "| -" in table


def test_unknown_cases_are_refused_with_the_known_ones(shared_data: Path):
    with pytest.raises(ValueError, match="unknown flood validation case.*known: lake_at_rest"):
        validate_flood(shared_data, cases=["atlantis"])


def test_merewether_files_are_read_as_the_manifest_describes(shared_data: Path):
    data = read_merewether(shared_data)
    assert data.z.shape == (416, 321)
    assert np.isnan(data.z).sum() == 73 and np.nanmin(data.z) == pytest.approx(16.4731)
    assert data.dx == pytest.approx(0.99993681)
    assert data.origin[0] == pytest.approx(382249.79174463)
    assert data.origin[1] == pytest.approx(6354265.4322858 + 416 * 0.99993681)
    assert len(data.houses) == 60 and data.road.shape[1] == 2
    assert data.labels == ["ID4", "ID3", "ID0", "ID1", "ID2"]
    assert data.observed.tolist() == [23.01, 23.14, 19.98, 18.38, 23.36]
    assert np.sqrt(np.mean((data.tuflow - data.observed) ** 2)) == pytest.approx(0.148, abs=1e-3)


def test_an_esri_ascii_grid_with_centre_coordinates_and_nodata(tmp_path: Path):
    import zipfile

    text = "ncols 3\nnrows 2\nxllcenter 10.5\nyllcenter 20.5\ncellsize 1\nNODATA_value -1\n1 2 3\n4 -1 6\n"
    with zipfile.ZipFile(tmp_path / "grid.zip", "w") as archive:
        archive.writestr("grid.asc", text)
    z, dx, origin = read_zipped_grid(tmp_path / "grid.zip")
    assert dx == 1.0 and origin == (10.0, 22.0)
    assert np.isnan(z[1, 1]) and z[0, 2] == 3.0


def test_the_module_prints_the_table_and_writes_figures(shared_data: Path, tmp_path: Path, capsys):
    status = main(["--data", str(shared_data), "--case", "lake_at_rest", "--figures", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0
    assert "lake_at_rest" in out and "PASS" in out
    assert (tmp_path / "lake_at_rest.png").stat().st_size > 10_000
    assert "| lake_at_rest |" in (tmp_path / "table.md").read_text()


def test_the_cli_entry_reports_bad_input_with_status_2(tmp_path: Path, capsys):
    from viewer.commands.flood_validation import run_cli

    assert run_cli(tmp_path, ["atlantis"]) == 2
    assert "unknown flood validation case" in capsys.readouterr().err
    assert run_cli(tmp_path / "nowhere", ["macdonald_norain"]) == 2
    assert "mcdo_norain.csv" in capsys.readouterr().err


def test_the_merewether_figure_is_drawn_from_an_outcome(tmp_path: Path):
    from viewer.scenarios.flood.validation import CaseOutcome

    figure = {"max_depth": np.random.default_rng(1).random((20, 30)), "bed": np.zeros((20, 30)),
              "peak": np.ones(5), "observed": np.ones(5) * 0.9, "reference": np.ones(5),
              "cells": np.array([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]), "extent": np.array([0, 0, 30, 20])}
    [path] = write_figures([CaseOutcome("merewether", [], figure)], tmp_path)
    assert path.name == "merewether.png" and path.stat().st_size > 10_000
    assert set(CASES) >= {"lake_at_rest", "macdonald_norain", "macdonald_rain", "thacker_paraboloid",
                          "merewether"}


def test_citytwin_validate_flood_prints_the_table_and_exits_0(shared_data: Path, capsys):
    from viewer.app.cli import main as citytwin

    status = citytwin(["validate", "flood", "--data", str(shared_data), "--case", "thacker_paraboloid"])
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    rows = [line.split("|") for line in lines[2:]]
    shoreline = next(r for r in rows if r[1].strip() == "shoreline position error after one period (m)")
    assert float(shoreline[2]) <= 0.04 and shoreline[4].strip() == "PASS"
