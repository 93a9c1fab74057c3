"""The one clock: live, replay, speed, loop, jump, step, window."""

from __future__ import annotations

import pytest

from viewer.core.clock import NS, Clock

T0 = 1_760_918_400 * NS  # 2025-10-20T00:00:00Z


def test_live_follows_the_wall_clock():
    clock = Clock()
    clock.advance(0.1, wall_now_ns=T0 + 5 * NS)
    assert clock.mode == "live" and clock.time_ns == T0 + 5 * NS


def test_replay_runs_at_speed_and_stops_at_the_end():
    clock = Clock()
    clock.replay(T0, T0 + 3600 * NS, speed=60)
    seen = []
    clock.events.time_ns.connect(seen.append)
    clock.advance(1.0)  # paused: nothing moves
    assert seen == []
    clock.playing = True
    clock.advance(1.0)
    assert clock.time_ns == T0 + 60 * NS
    clock.advance(100.0)  # 6000 s later would pass the end
    assert clock.time_ns == T0 + 3600 * NS and clock.playing is False


def test_loop_wraps_around():
    clock = Clock()
    clock.replay(T0, T0 + 100 * NS, speed=10)
    clock.loop = True
    clock.playing = True
    clock.advance(12.0)  # 120 s of data -> 20 s past the start
    assert clock.time_ns == T0 + 20 * NS and clock.playing


def test_speed_is_clamped_and_jump_step_stay_in_range():
    clock = Clock()
    clock.replay(T0, T0 + 100 * NS)
    clock.set_speed(5000)
    assert clock.speed == 1000
    clock.set_speed(0.1)
    assert clock.speed == 1
    clock.jump(T0 - 50 * NS)
    assert clock.time_ns == T0
    clock.step(30)
    clock.step(-10)
    assert clock.time_ns == T0 + 20 * NS
    clock.window_s = 600
    assert clock.window_start_ns == T0 + 20 * NS - 600 * NS
    with pytest.raises(ValueError):
        clock.set_range(T0, T0 - 1)
