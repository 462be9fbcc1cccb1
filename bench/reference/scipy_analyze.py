#!/usr/bin/env python3
"""The SciPy counterpart of `recurrent-lens analyze FILE --json`, as one process: imports, reading the .npy, then
the same quantities — real Schur form with Schur vectors, eigenvalues (from T), singular values, Henrici's departure
from normality and the noise covariance C = W C W^T + I of the memory curve (solve_discrete_lyapunov).

Needs Debian's python3-scipy; run it with /usr/bin/python3 (bench/run.ts --only analyze does, timing the whole
process for the one-shot comparison). Prints one JSON line: milliseconds per step (in-process) and the numbers.

  scipy_analyze.py W.npy
"""
import os
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
import json, sys, time
t_start = time.perf_counter()
import numpy as np, scipy, scipy.linalg as sla
t_imported = time.perf_counter()

W = np.load(sys.argv[1]).astype(np.float64)
n = W.shape[0]
ms = {}
def step(name, f):
    t = time.perf_counter(); r = f(); ms[name] = round((time.perf_counter() - t) * 1000, 3); return r

T, Z = step('schur', lambda: sla.schur(W, output='real'))
lam = step('eigenvalues', lambda: sla.eigvals(T))
sv = step('singular_values', lambda: sla.svdvals(W))
rho = float(np.abs(lam).max())
henrici = step('henrici', lambda: float(np.sqrt(max(np.linalg.norm(W, 'fro') ** 2 - np.sum(np.abs(lam) ** 2), 0.0))))
# C = W C W^T + I; for rho >= 1 the equation still has a solution (not the divergent sum), which costs the same.
C = step('lyapunov', lambda: sla.solve_discrete_lyapunov(W, np.eye(n)))
ms['total'] = round((time.perf_counter() - t_imported) * 1000, 3)
ms['imports'] = round((t_imported - t_start) * 1000, 3)
print(json.dumps(dict(engine='scipy', scipy=scipy.__version__, numpy=np.__version__, n=n, timings_ms=ms,
    spectral_radius=rho, sigma_max=float(sv[0]), sigma_min=float(sv[-1]), henrici=henrici,
    schur_residual=float(np.linalg.norm(Z @ T @ Z.T - W) / np.linalg.norm(W)), trace_c=float(np.trace(C)))))
