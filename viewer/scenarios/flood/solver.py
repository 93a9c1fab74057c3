"""Numba kernels of the local-inertial scheme (Bates et al. 2010; de Almeida et al. 2012).

Layout: depth ``h`` (ny, nx) at cell centres; unit discharge ``qx`` (ny, nx + 1) on the west/east faces
(``qx[i, j]`` between cells (i, j-1) and (i, j), positive towards +col) and ``qy`` (ny + 1, nx) on the
north/south faces (``qy[i, j]`` between (i-1, j) and (i, j), positive towards +row, i.e. south).
Column 0 / nx of ``qx`` and row 0 / ny of ``qy`` are the grid's edges.

One step is four kernels: :func:`momentum` (interior faces, from the fluxes of the last step),
:func:`edge_fluxes` (the grid's edges), :func:`outflow_factors` (how much of each cell's outflow its
water can pay for) and :func:`continuity` (scale the fluxes, move the water, add the rain). The
scaled fluxes are written back into the "current" buffer, so the next step reads them as its old
fluxes; no buffer swap is needed.

Only the wet part of the grid is stepped. ``lo[i]..hi[i]`` are the first and last columns of row i
deeper than ``h_min``; a step works on row i's columns ``rlo[i]..rhi[i]``, the wet columns of rows
i-1..i+1 widened by one (every row for rows in ``force``: inflows, clamped cells, inward edges). That
is exact, not an approximation: a face's flow depth never exceeds its cells' depths, so a face with no
wet cell beside it carries nothing. Faces that were in the last step's range (``plo..phi``) but not in
this one are set to zero, so both flux buffers are zero outside the ranges.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

G = 9.81
# Fast-math without reassociation or NaN/inf assumptions: divisions may become reciprocal products and
# libm calls their fast forms; sums keep their order, so water-surface differences stay as written.
FAST = {"contract", "arcp", "afn"}


@njit(cache=True, inline="always", fastmath=FAST)
def _pow73(hf):
    """``hf ** (7/3)`` in single precision: the friction term needs no more, and powf is twice as fast."""
    return np.float64(np.float32(hf) ** np.float32(7.0 / 3.0))


@njit(cache=True, inline="always", fastmath=FAST)
def _face_q(q0, q_side_a, q_side_b, eta_a, eta_b, z_a, z_b, n2, w, dt, dx, theta, h_min):
    """New unit discharge on a face from cell a to cell b (positive a -> b); ``w`` is the face's open
    fraction (the pressure force acts on the open width only) and ``n2`` already holds n^2 / w."""
    hf = max(eta_a, eta_b) - max(z_a, z_b)
    if hf <= h_min or w <= 0.0:
        return 0.0
    q_centred = theta * q0 + 0.5 * (1.0 - theta) * (q_side_a + q_side_b)
    numerator = q_centred - w * G * hf * dt * (eta_b - eta_a) / dx
    return numerator / (1.0 + G * dt * n2 * abs(q0) / _pow73(hf))


@njit(cache=True, inline="always", fastmath=FAST)
def step_range(lo, hi, force, i, nx):
    """Row i's cells to step this step: wet columns of rows i-1..i+1 widened by one, or all."""
    if force[i]:
        return 0, nx - 1
    ny = lo.shape[0]
    first = nx
    last = -1
    for k in range(max(i - 1, 0), min(i + 2, ny)):
        if lo[k] <= hi[k]:
            first = min(first, lo[k])
            last = max(last, hi[k])
    if first > last:
        return 0, -1
    return max(first - 1, 0), min(last + 1, nx - 1)


@njit(cache=True, inline="always", fastmath=FAST)
def span_union(a, b, pa, pb):
    """The smallest column span holding both spans; an empty span (first > last) adds nothing."""
    if a > b:
        return pa, pb
    if pa > pb:
        return a, b
    return min(a, pa), max(b, pb)


@njit(cache=True, parallel=True, fastmath=FAST)
def momentum(h, z, wall, qx, qy, qx_new, qy_new, n2x, n2y, wx, wy, lo, hi, force, rlo, rhi, plo, phi, dt,
             dx, theta, h_min):
    """Interior face fluxes at the new time from depths and fluxes at the old time.

    Writes this step's column range of each row into ``rlo``/``rhi``.
    """
    ny, nx = h.shape
    for i in prange(ny):
        a, b = step_range(lo, hi, force, i, nx)
        rlo[i] = a
        rhi[i] = b
        u0, u1 = span_union(a, b, plo[i], phi[i])
        for j in range(max(u0, 1), min(u1 + 1, nx - 1) + 1):
            if j < a or j > b + 1 or wall[i, j - 1] or wall[i, j]:
                qx_new[i, j] = 0.0
            else:
                qx_new[i, j] = _face_q(qx[i, j], qx[i, j - 1], qx[i, j + 1],
                                       z[i, j - 1] + h[i, j - 1], z[i, j] + h[i, j], z[i, j - 1], z[i, j],
                                       n2x[i, j], wx[i, j], dt, dx, theta, h_min)
        if i == 0:
            continue
        for j in range(u0, u1 + 1):
            if j < a or j > b or wall[i - 1, j] or wall[i, j]:
                qy_new[i, j] = 0.0
            else:
                qy_new[i, j] = _face_q(qy[i, j], qy[i - 1, j], qy[i + 1, j],
                                       z[i - 1, j] + h[i - 1, j], z[i, j] + h[i, j], z[i - 1, j], z[i, j],
                                       n2y[i, j], wy[i, j], dt, dx, theta, h_min)


@njit(cache=True, fastmath=FAST)
def _edge_q(kind, level, q0_out, h_c, z_c, h_in, z_in, wall_in, n2, dt, dx, h_min):
    """Outward unit discharge through one edge face of cell c (whose inner neighbour is ``in``)."""
    if kind == 1:  # a level beyond the edge, held in a ghost cell with the same bed
        eta_c = z_c + h_c
        hf = max(eta_c, level) - z_c
        if hf <= h_min:
            return 0.0
        return (q0_out - G * hf * dt * (level - eta_c) / dx) / (
            1.0 + G * dt * n2 * abs(q0_out) / _pow73(hf))
    if kind == 2:  # free outflow, as if the ground went on past the edge
        if h_c <= h_min:
            return 0.0
        fall = 0.0 if wall_in else (z_c - z_in) / dx  # the bed's gradient towards the edge
        if fall < 0.0:  # ground falling: normal flow on it (LISFLOOD-FP's FREE boundary)
            q = (q0_out - G * h_c * dt * fall) / (1.0 + G * dt * n2 * abs(q0_out) / _pow73(h_c))
            return max(q, 0.0)
        return h_c * np.sqrt(G * h_c)  # flat or rising ground: a free overfall at critical depth
    if kind == 3:  # a hydrograph entering through the edge: ``level`` holds the inward unit discharge
        return -level
    return 0.0


@njit(cache=True, fastmath=FAST)
def edge_fluxes(h, z, wall, qx, qy, qx_new, qy_new, n2, kinds, levels, dt, dx, h_min):
    """Fluxes on the grid's four edges: kinds[e] 0 wall, 1 level ``levels[e]``, 2 free outflow,
    3 inflow of unit discharge ``levels[e]`` (m2/s, inward).

    Edges in order north, south, west, east. Flux signs follow the arrays (+col, +row).
    """
    ny, nx = h.shape
    for j in range(nx):  # north (outward is -row) and south (outward is +row)
        i_in = min(1, ny - 1)
        q = 0.0
        if not wall[0, j] and kinds[0] != 0:
            q = -_edge_q(kinds[0], levels[0], -qy[0, j], h[0, j], z[0, j], h[i_in, j], z[i_in, j],
                         wall[i_in, j], n2[0, j], dt, dx, h_min)
        qy_new[0, j] = q
        i_in = max(ny - 2, 0)
        q = 0.0
        if not wall[ny - 1, j] and kinds[1] != 0:
            q = _edge_q(kinds[1], levels[1], qy[ny, j], h[ny - 1, j], z[ny - 1, j], h[i_in, j],
                        z[i_in, j], wall[i_in, j], n2[ny - 1, j], dt, dx, h_min)
        qy_new[ny, j] = q
    for i in range(ny):  # west (outward is -col) and east (outward is +col)
        j_in = min(1, nx - 1)
        q = 0.0
        if not wall[i, 0] and kinds[2] != 0:
            q = -_edge_q(kinds[2], levels[2], -qx[i, 0], h[i, 0], z[i, 0], h[i, j_in], z[i, j_in],
                         wall[i, j_in], n2[i, 0], dt, dx, h_min)
        qx_new[i, 0] = q
        j_in = max(nx - 2, 0)
        q = 0.0
        if not wall[i, nx - 1] and kinds[3] != 0:
            q = _edge_q(kinds[3], levels[3], qx[i, nx], h[i, nx - 1], z[i, nx - 1], h[i, j_in],
                        z[i, j_in], wall[i, j_in], n2[i, nx - 1], dt, dx, h_min)
        qx_new[i, nx] = q


@njit(cache=True, inline="always", fastmath=FAST)
def _rain_rate(rain_a, rain_b, w, i, j):
    if rain_a.shape[0] == 1:
        return (1.0 - w) * rain_a[0, 0] + w * rain_b[0, 0]
    return (1.0 - w) * rain_a[i, j] + w * rain_b[i, j]


@njit(cache=True, parallel=True, fastmath=FAST)
def outflow_factors(h, wall, qx, qy, rain_a, rain_b, w, rlo, rhi, factor, dt, dx):
    """Per cell, the fraction (<= 1) of its outflow its water (plus this step's rain) can supply."""
    ny, nx = h.shape
    c = dt / dx
    for i in prange(ny):
        for j in range(rlo[i], rhi[i] + 1):  # no face outside the range carries water
            out = (max(qx[i, j + 1], 0.0) + max(-qx[i, j], 0.0)
                   + max(qy[i + 1, j], 0.0) + max(-qy[i, j], 0.0)) * c
            avail = h[i, j]
            if not wall[i, j]:
                avail += _rain_rate(rain_a, rain_b, w, i, j) * dt
            factor[i, j] = 1.0 if out <= avail else avail / out


@njit(cache=True, parallel=True, fastmath=FAST)
def continuity(h, qx_new, qy_new, factor, qx, qy, wall, rain_a, rain_b, w, raining, rlo, rhi, plo, phi,
               lo, hi, rowmax, rowrain, hmax, dt, dx, h_min):
    """Move the water with the limited fluxes; write those fluxes into ``qx``/``qy``.

    Updates ``lo``/``hi`` (wet columns per row), ``rowmax`` (deepest cell per row), ``rowrain`` (rain
    depth added per row), the running maximum depth ``hmax``, and ``plo``/``phi`` (the range just
    stepped, for the next step's clean-up).
    """
    ny, nx = h.shape
    c = dt / dx
    for i in prange(ny):
        a = rlo[i]
        b = rhi[i]
        if raining:
            a = 0
            b = nx - 1
        elif plo[i] <= phi[i]:  # faces the last step could have used but this one does not: clear
            for j in range(plo[i], phi[i] + 2):
                if a > b or j < a or j > b + 1:
                    qx[i, j] = 0.0
            for j in range(plo[i], phi[i] + 1):
                if a > b or j < a or j > b:
                    qy[i, j] = 0.0
                    if i == ny - 1:
                        qy[ny, j] = 0.0
        plo[i] = rlo[i]
        phi[i] = rhi[i]
        deepest = 0.0
        rain_sum = 0.0
        first = nx
        last = -1
        for j in range(a, b + 1):
            qw = qx_new[i, j]
            if qw > 0.0:
                qw *= factor[i, j - 1] if j > 0 else 1.0
            else:
                qw *= factor[i, j]
            qe = qx_new[i, j + 1]
            if qe > 0.0:
                qe *= factor[i, j]
            elif j + 1 < nx:
                qe *= factor[i, j + 1]
            qn = qy_new[i, j]
            if qn > 0.0:
                qn *= factor[i - 1, j] if i > 0 else 1.0
            else:
                qn *= factor[i, j]
            qs = qy_new[i + 1, j]
            if qs > 0.0:
                qs *= factor[i, j]
            elif i + 1 < ny:
                qs *= factor[i + 1, j]
            rain = 0.0
            if raining and not wall[i, j]:
                rain = _rain_rate(rain_a, rain_b, w, i, j) * dt
            depth = h[i, j] + rain + c * (qw - qe + qn - qs)
            if depth < 0.0:  # only round-off can get here: the factors pay for every outflow
                depth = 0.0
            h[i, j] = depth
            qx[i, j] = qw
            qy[i, j] = qn
            if j == b:
                qx[i, j + 1] = qe
            if i == ny - 1:
                qy[ny, j] = qs
            rain_sum += rain
            if depth > deepest:
                deepest = depth
            if depth > hmax[i, j]:
                hmax[i, j] = depth
            if depth > h_min:
                if first == nx:
                    first = j
                last = j
        lo[i] = first
        hi[i] = last
        rowmax[i] = deepest
        rowrain[i] = rain_sum


@njit(cache=True, fastmath=FAST)
def edge_volumes(qx, qy, dt, dx):
    """(in, out) volume in m3 through the grid's edges this step, from the limited fluxes."""
    ny = qy.shape[0] - 1
    nx = qx.shape[1] - 1
    inflow = 0.0
    outflow = 0.0
    for j in range(nx):
        q = qy[0, j]  # north: +row is inward
        if q > 0.0:
            inflow += q
        else:
            outflow -= q
        q = qy[ny, j]  # south: +row is outward
        if q > 0.0:
            outflow += q
        else:
            inflow -= q
    for i in range(ny):
        q = qx[i, 0]
        if q > 0.0:
            inflow += q
        else:
            outflow -= q
        q = qx[i, nx]
        if q > 0.0:
            outflow += q
        else:
            inflow -= q
    return inflow * dt * dx, outflow * dt * dx


@njit(cache=True, inline="always", fastmath=FAST)
def _face_velocity(q, w, eta_a, eta_b, z_a, z_b, h_min):
    hf = max(eta_a, eta_b) - max(z_a, z_b)
    return q / (w * hf) if hf > h_min and w > 0.0 else 0.0


@njit(cache=True, parallel=True, fastmath=FAST)
def cell_speed(h, z, qx, qy, wx, wy, h_min):
    """Speed (m/s) at cell centres: the mean of the face velocities ``q / (w h_flow)`` (as LISFLOOD-FP
    reports them; ``w`` the faces' open fractions), which stays meaningful in the thin cells of a
    wetting front; 0 where dry."""
    ny, nx = h.shape
    speed = np.zeros((ny, nx), dtype=np.float32)
    for i in prange(ny):
        for j in range(nx):
            if h[i, j] <= h_min:
                continue
            eta = z[i, j] + h[i, j]
            u = v = 0.0
            if j > 0:
                u += _face_velocity(qx[i, j], wx[i, j], z[i, j - 1] + h[i, j - 1], eta, z[i, j - 1], z[i, j],
                                    h_min)
            if j + 1 < nx:
                u += _face_velocity(qx[i, j + 1], wx[i, j + 1], eta, z[i, j + 1] + h[i, j + 1], z[i, j],
                                    z[i, j + 1], h_min)
            if i > 0:
                v += _face_velocity(qy[i, j], wy[i, j], z[i - 1, j] + h[i - 1, j], eta, z[i - 1, j], z[i, j],
                                    h_min)
            if i + 1 < ny:
                v += _face_velocity(qy[i + 1, j], wy[i + 1, j], eta, z[i + 1, j] + h[i + 1, j], z[i, j],
                                    z[i + 1, j], h_min)
            speed[i, j] = 0.5 * np.sqrt(u * u + v * v)
    return speed
