"""Workers run functions off the GUI thread, report progress, and stop when cancelled."""

from __future__ import annotations

import threading
import time

import pytest

from viewer.qt.qt_progress import QtProgressWidget, format_eta
from viewer.qt.qt_workers import PROGRESS_INTERVAL, Worker, active_workers


def count_up(n: int, delay: float = 0.0, *, progress) -> int:
    """Sum 0..n-1, reporting after each step."""
    total = 0
    for i in range(n):
        total += i
        if delay:
            time.sleep(delay)
        progress.update((i + 1) / n, f"step {i + 1} of {n}")
    return total


def forever(*, progress) -> None:
    started = time.monotonic()
    while time.monotonic() - started < 30:
        time.sleep(0.005)
        progress.update(0.5, "waiting")


def broken(path: str, *, progress) -> None:
    progress.update(0.1, path)
    raise ValueError(f"{path}: the file is truncated")


def test_worker_returns_result_and_throttles_progress(qtbot):
    gui_thread = threading.get_ident()
    worker = Worker(count_up, 400, 0.0005, description="counting")
    updates, threads = [], []
    worker.progress.connect(lambda f, m, eta: (updates.append((f, m, eta)),
                                               threads.append(threading.get_ident())))
    with qtbot.waitSignal(worker.finished, timeout=10000) as blocker:
        started = time.monotonic()
        worker.start()
    elapsed = time.monotonic() - started
    assert blocker.args == [sum(range(400))]
    assert worker.state == "finished"
    assert worker not in active_workers()
    # 400 updates were made; at ~20 Hz only a few arrive, the last one (1.0) always does.
    assert 1 <= len(updates) <= elapsed / PROGRESS_INTERVAL + 2
    assert updates[-1][0] == 1.0 and updates[-1][1] == "step 400 of 400"
    fractions = [u[0] for u in updates]
    assert fractions == sorted(fractions)
    assert all(eta >= 0 for _, _, eta in updates)
    # Slots run on the GUI thread even though the work ran elsewhere.
    assert set(threads) == {gui_thread}


def test_worker_runs_off_the_gui_thread(qtbot):
    seen = []
    worker = Worker(lambda *, progress: seen.append(threading.get_ident()) or 7)
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        worker.start()
    assert blocker.args == [7]
    assert seen and seen[0] != threading.get_ident()


def test_cancel_stops_the_work_and_delivers_no_result(qtbot):
    worker = Worker(forever)
    finished = []
    worker.finished.connect(finished.append)
    with qtbot.waitSignal(worker.progress, timeout=5000):
        worker.start()
    started = time.monotonic()
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        worker.cancel()
    assert time.monotonic() - started < 2.0
    qtbot.wait(50)
    assert finished == []
    assert worker.state == "cancelled"
    assert not worker.is_running()


def test_failing_function_emits_failed_with_its_message(qtbot):
    worker = Worker(broken, "roads.gpkg")
    finished = []
    worker.finished.connect(finished.append)
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.start()
    assert blocker.args == ["roads.gpkg: the file is truncated"]
    assert finished == [] and worker.state == "failed"


def test_worker_runs_once(qtbot):
    worker = Worker(count_up, 1)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    with pytest.raises(RuntimeError):
        worker.start()


def test_format_eta():
    assert format_eta(-1) == ""
    assert format_eta(12.4) == "about 12 s left"
    assert format_eta(0.2) == "about 1 s left"
    assert format_eta(185) == "about 3 min left"


def test_progress_widget_shows_progress_and_cancels(qtbot):
    widget = QtProgressWidget()
    qtbot.addWidget(widget)
    assert not widget.isVisible()
    worker = Worker(forever, description="reading")
    widget.bind(worker)
    assert not widget.isHidden()
    with qtbot.waitSignal(worker.progress, timeout=5000):
        worker.start()
    qtbot.waitUntil(lambda: widget.bar.value() == 500, timeout=5000)
    assert widget.message_label.text() == "waiting"
    assert widget.eta_label.text().startswith("about ")
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        widget.cancel_button.click()
    assert widget.isHidden()
    assert widget.worker is None
