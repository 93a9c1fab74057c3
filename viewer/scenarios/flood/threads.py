"""How many threads the kernels use, chosen by measuring, not by guessing.

A step is five short parallel regions. On an idle machine two or more threads pay off; on a machine
where other programs hold the cores, every region waits for a thread the OS has not scheduled yet and
one thread is several times faster. :class:`ThreadChooser` runs a window of steps with each count
now and then, keeps the faster one, and tries again later, because the load changes while a run goes.
Rows are handed out in small chunks (``numba.set_parallel_chunksize``) so a thread that finishes its
dry rows early takes wet ones from the other. Both settings are the calling thread's own and are put
back by :meth:`ThreadChooser.restore` (the engine does so before each frame it yields).
"""

from __future__ import annotations

import time

WINDOW_STEPS = 48  # steps timed per probe
KEEP_WINDOWS = 24  # windows run with the winner before probing again
CHUNK_ROWS = 8
FEWER_MARGIN = 0.9  # fewer threads must be 10 % faster to win: timings are noisy, idle cores are not


class ThreadChooser:
    """Picks 1 or all threads for the next steps from the measured time per step."""

    def __init__(self) -> None:
        import numba

        self._numba = numba
        self.most = numba.get_num_threads()
        self._saved = (self.most, numba.get_parallel_chunksize())
        self.counts = [self.most, 1] if self.most > 1 else [1]
        self.current = self.counts[0]
        self._timings: dict[int, float] = {}
        self._steps = 0
        self._windows_left = 0
        self._spent = 0.0  # stepping time in the current window, between apply() and restore()
        self._mark = time.perf_counter()

    def apply(self) -> None:
        """Use the chosen count for the next steps (call before stepping, after a yield)."""
        self._numba.set_num_threads(self.current)
        self._numba.set_parallel_chunksize(CHUNK_ROWS)
        self._mark = time.perf_counter()

    def restore(self) -> None:
        """Put the caller's thread settings back (call before yielding)."""
        self._spent += time.perf_counter() - self._mark
        self._numba.set_num_threads(self._saved[0])
        self._numba.set_parallel_chunksize(self._saved[1])

    def step_done(self) -> None:
        """Count a step; at the end of a window, record it and maybe switch."""
        if len(self.counts) == 1:
            return
        self._steps += 1
        if self._steps < WINDOW_STEPS:
            return
        now = time.perf_counter()
        per_step = (self._spent + now - self._mark) / self._steps
        self._steps, self._spent, self._mark = 0, 0.0, now
        if self._windows_left > 0:
            self._windows_left -= 1
            if self._windows_left == 0:  # time to measure both again
                self._timings.clear()
                self.current = self.counts[0]
                self.apply()
            return
        self._timings[self.current] = per_step
        untried = [n for n in self.counts if n not in self._timings]
        if untried:
            self.current = untried[0]
        else:
            most, one = self._timings[self.counts[0]], self._timings[1]
            self.current = 1 if one < FEWER_MARGIN * most else self.counts[0]
            self._windows_left = KEEP_WINDOWS
        self.apply()
