"""The momentum kernel with the convective acceleration term (``FloodParams.advection=True``).

The local-inertial scheme drops ``d(q u)/dx + d(q v)/dy`` from the momentum equation. That is what
makes it fast and robust, and it is right for slow, deep floodplain flow; where the flow is fast or
rain feeds a channel (MacDonald's long channel with rain) the steady surface it converges to differs
from the shallow-water one by a few centimetres. This kernel adds the term back, first-order upwind
and in conservative form on the staggered grid (as in SFINCS's optional advection): the momentum flux
through a cell centre is the upwind face's ``q * u``, the cross flux through a cell corner is ``v`` at
the corner times the upwind ``q``. It is left out where the flow depth is below ``h_adv`` so thin
wetting fronts keep the robustness of the plain scheme, and the caller's step then also honours the
flow speed (``dt <= cfl * dx / (|u| + sqrt(g h))``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from viewer.scenarios.flood.solver import FAST, G, _pow73, span_union, step_range


@njit(cache=True, inline="always", fastmath=FAST)
def _velocity(q, w, hf, h_adv):
    return q / (w * hf) if hf > h_adv and w > 0.0 else 0.0


@njit(cache=True, parallel=True, fastmath=FAST)
def face_velocities(h, z, qx, qy, wx, wy, ux, vy, lo, hi, force, plo, phi, h_adv):
    """``ux = qx / (w h_flow)`` and ``vy = qy / (w h_flow)`` (``w`` the face's open fraction) on the
    faces of this step's (and the last step's) span of each row, 0 where the flow depth is below
    ``h_adv``; computed once per step so the convective term reads each velocity instead of
    recomputing it."""
    ny, nx = h.shape
    for i in prange(ny):
        a, b = step_range(lo, hi, force, i, nx)
        u0, u1 = span_union(a, b, plo[i], phi[i])
        for j in range(u0, u1 + 2):
            if j == 0:
                hf = h[i, 0]
            elif j == nx:
                hf = h[i, nx - 1]
            else:
                hf = max(z[i, j - 1] + h[i, j - 1], z[i, j] + h[i, j]) - max(z[i, j - 1], z[i, j])
            ux[i, j] = _velocity(qx[i, j], wx[i, j], hf, h_adv)
        for j in range(u0, u1 + 1):
            if i == 0:
                hf = h[0, j]
            else:
                hf = max(z[i - 1, j] + h[i - 1, j], z[i, j] + h[i, j]) - max(z[i - 1, j], z[i, j])
            vy[i, j] = _velocity(qy[i, j], wy[i, j], hf, h_adv)
            if i == ny - 1:
                vy[ny, j] = _velocity(qy[ny, j], wy[ny, j], h[ny - 1, j], h_adv)


@njit(cache=True, inline="always", fastmath=FAST)
def _advect_x(qx, ux, vy, i, j, dx):
    """d(qx u)/dx + d(qx v)/dy at x-face (i, j), upwind."""
    ny = vy.shape[0] - 1
    q0 = qx[i, j]
    if q0 + qx[i, j + 1] >= 0.0:
        flux_r = q0 * ux[i, j]
    else:
        flux_r = qx[i, j + 1] * ux[i, j + 1]
    if qx[i, j - 1] + q0 >= 0.0:
        flux_l = qx[i, j - 1] * ux[i, j - 1]
    else:
        flux_l = q0 * ux[i, j]
    cross_top = 0.0
    if i > 0:
        v = 0.5 * (vy[i, j - 1] + vy[i, j])
        cross_top = v * (qx[i - 1, j] if v > 0.0 else q0)
    cross_bottom = 0.0
    if i + 1 < ny:
        v = 0.5 * (vy[i + 1, j - 1] + vy[i + 1, j])
        cross_bottom = v * (q0 if v > 0.0 else qx[i + 1, j])
    return (flux_r - flux_l + cross_bottom - cross_top) / dx


@njit(cache=True, inline="always", fastmath=FAST)
def _advect_y(qy, ux, vy, i, j, dx):
    """d(qy v)/dy + d(qy u)/dx at y-face (i, j), upwind."""
    nx = ux.shape[1] - 1
    q0 = qy[i, j]
    if q0 + qy[i + 1, j] >= 0.0:
        flux_b = q0 * vy[i, j]
    else:
        flux_b = qy[i + 1, j] * vy[i + 1, j]
    if qy[i - 1, j] + q0 >= 0.0:
        flux_t = qy[i - 1, j] * vy[i - 1, j]
    else:
        flux_t = q0 * vy[i, j]
    cross_left = 0.0
    if j > 0:
        u = 0.5 * (ux[i - 1, j] + ux[i, j])
        cross_left = u * (qy[i, j - 1] if u > 0.0 else q0)
    cross_right = 0.0
    if j + 1 < nx:
        u = 0.5 * (ux[i - 1, j + 1] + ux[i, j + 1])
        cross_right = u * (q0 if u > 0.0 else qy[i, j + 1])
    return (flux_b - flux_t + cross_right - cross_left) / dx


@njit(cache=True, inline="always", fastmath=FAST)
def _face_q_adv(q0, q_side_a, q_side_b, q_cross, eta_a, eta_b, z_a, z_b, n2, w, dt, dx, theta, h_min,
                h_adv, adv):
    """New discharge on a face and its wave speed ``|u| + sqrt(g h_flow)``; friction uses the whole
    velocity (``q_cross``: the other component averaged onto the face), as the shallow-water
    equations have it. ``w`` is the face's open fraction (``n2`` already holds n^2 / w)."""
    hf = max(eta_a, eta_b) - max(z_a, z_b)
    if hf <= h_min or w <= 0.0:
        return 0.0, 0.0
    q_centred = theta * q0 + 0.5 * (1.0 - theta) * (q_side_a + q_side_b)
    if hf > h_adv:
        q_centred -= dt * adv
    numerator = q_centred - w * G * hf * dt * (eta_b - eta_a) / dx
    q_norm = np.sqrt(q0 * q0 + q_cross * q_cross)
    q = numerator / (1.0 + G * dt * n2 * q_norm / _pow73(hf))
    return q, abs(q) / (w * hf) + np.sqrt(G * hf)


@njit(cache=True, inline="always", fastmath=FAST)
def _wet_face(h_a, h_b, z_a, z_b, h_adv):
    """Whether a face's flow depth exceeds ``h_adv`` (where the convective term is computed)."""
    return max(z_a + h_a, z_b + h_b) - max(z_a, z_b) > h_adv


@njit(cache=True, parallel=True, fastmath=FAST)
def momentum_advective(h, z, wall, qx, qy, ux, vy, qx_new, qy_new, n2x, n2y, wx, wy, lo, hi, force, rlo, rhi,
                       plo, phi, rowspeed, dt, dx, theta, h_min, h_adv):
    """As :func:`viewer.scenarios.flood.solver.momentum`, with the convective term (face velocities
    ``ux``/``vy`` from :func:`face_velocities`); also writes the
    fastest wave of each row, ``max(|u| + sqrt(g h_flow))`` over its faces, into ``rowspeed`` for the
    next step's stability limit."""
    ny, nx = h.shape
    for i in prange(ny):
        a, b = step_range(lo, hi, force, i, nx)
        rlo[i] = a
        rhi[i] = b
        u0, u1 = span_union(a, b, plo[i], phi[i])
        fastest = 0.0
        for j in range(max(u0, 1), min(u1 + 1, nx - 1) + 1):
            if (j < a or j > b + 1 or wall[i, j - 1] or wall[i, j]
                    or (h[i, j - 1] <= h_min and h[i, j] <= h_min)):
                qx_new[i, j] = 0.0
                continue
            adv = 0.0
            if _wet_face(h[i, j - 1], h[i, j], z[i, j - 1], z[i, j], h_adv):
                adv = _advect_x(qx, ux, vy, i, j, dx)
            q_cross = 0.25 * (qy[i, j - 1] + qy[i, j] + qy[i + 1, j - 1] + qy[i + 1, j])
            q, wave = _face_q_adv(qx[i, j], qx[i, j - 1], qx[i, j + 1], q_cross, z[i, j - 1] + h[i, j - 1],
                                  z[i, j] + h[i, j], z[i, j - 1], z[i, j], n2x[i, j], wx[i, j], dt, dx, theta,
                                  h_min, h_adv, adv)
            qx_new[i, j] = q
            fastest = max(fastest, wave)
        if i > 0:
            for j in range(u0, u1 + 1):
                if (j < a or j > b or wall[i - 1, j] or wall[i, j]
                        or (h[i - 1, j] <= h_min and h[i, j] <= h_min)):
                    qy_new[i, j] = 0.0
                    continue
                adv = 0.0
                if _wet_face(h[i - 1, j], h[i, j], z[i - 1, j], z[i, j], h_adv):
                    adv = _advect_y(qy, ux, vy, i, j, dx)
                q_cross = 0.25 * (qx[i - 1, j] + qx[i - 1, j + 1] + qx[i, j] + qx[i, j + 1])
                q, wave = _face_q_adv(qy[i, j], qy[i - 1, j], qy[i + 1, j], q_cross,
                                      z[i - 1, j] + h[i - 1, j], z[i, j] + h[i, j], z[i - 1, j], z[i, j],
                                      n2y[i, j], wy[i, j], dt, dx, theta, h_min, h_adv, adv)
                qy_new[i, j] = q
                fastest = max(fastest, wave)
        rowspeed[i] = fastest
