"""No public function modifies its inputs, whatever their dtype or memory layout.

Each case is run on C-contiguous, Fortran-ordered, strided (non-contiguous)
and read-only arrays, in float64 and float32.  The inputs are compared with
copies taken before the call, the result must not share memory with an
input, and the result must equal the one computed from a C-contiguous copy.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from kmeanskit import kmeans, kmeans2, kpp_init, vq, whiten

_rng = np.random.default_rng(77)
_BASE = np.concatenate([_rng.normal(c, 0.4, size=(15, 3)) for c in (0.0, 3.0, 6.0)])
_BASE = _BASE[_rng.permutation(len(_BASE))]
_BOOK = _BASE[[0, 1, 2]].copy()

LAYOUTS = ["C", "F", "strided", "readonly", "readonly-F"]
DTYPES = [np.float64, np.float32]


def _layout(a, layout, dtype):
    a = np.asarray(a, dtype=dtype)
    if layout == "C":
        return np.ascontiguousarray(a)
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "strided":
        if a.ndim == 1:
            big = np.zeros(2 * len(a), dtype=dtype)
            big[::2] = a
            out = big[::2]
        else:
            big = np.zeros((2 * a.shape[0], 2 * a.shape[1]), dtype=dtype)
            big[::2, 1::2] = a
            out = big[::2, 1::2]
        assert not out.flags.c_contiguous and not out.flags.f_contiguous
        return out
    if layout.startswith("readonly"):
        out = np.asfortranarray(a) if layout.endswith("F") else a.copy()
        out.flags.writeable = False
        return out
    raise AssertionError(layout)


# name -> (function of (data, book), uses book?)
CASES = {
    "whiten": lambda X, B: (whiten(X),),
    "whiten-1d": lambda X, B: (whiten(X[:, 0]),),
    "vq": lambda X, B: vq(X, B),
    "vq-1d": lambda X, B: vq(X[:, 0], B[:, 0]),
    "kmeans-k": lambda X, B: kmeans(X, 3, iter=2, rng=0),
    "kmeans-guess": lambda X, B: kmeans(X, B),
    "kmeans2-matrix": lambda X, B: kmeans2(X, B, iter=5, minit="matrix"),
    "kmeans2-matrix-1d": lambda X, B: kmeans2(X[:, 0], B[:, 0], iter=5, minit="matrix"),
    "kmeans2-points": lambda X, B: kmeans2(X, 3, minit="points", rng=1),
    "kmeans2-random": lambda X, B: kmeans2(X, 3, minit="random", rng=1),
    "kmeans2-++": lambda X, B: kmeans2(X, 3, minit="++", rng=1),
    "kpp_init": lambda X, B: (kpp_init(X, 3, rng=2),),
    "kpp_init-greedy": lambda X, B: (kpp_init(X, 3, rng=2, n_local_trials=3),),
}


def _call(fn, X, B):
    # a random init may meet an empty cluster on some layouts' seeds; that
    # warning is irrelevant here (and identical for every layout)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(X, B)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", list(CASES))
def test_inputs_unchanged(name, layout, dtype):
    """The call leaves data and code book untouched (values, layout, flags)."""
    X = _layout(_BASE, layout, dtype)
    B = _layout(_BOOK, layout, dtype)
    X_before, B_before = X.copy(order="K"), B.copy(order="K")
    flags_before = [(a.strides, a.flags.writeable) for a in (X, B)]

    out = _call(CASES[name], X, B)

    assert_array_equal(X, X_before)
    assert_array_equal(B, B_before)
    assert [(a.strides, a.flags.writeable) for a in (X, B)] == flags_before
    for res in out:
        if isinstance(res, np.ndarray):
            assert not np.shares_memory(res, X)
            assert not np.shares_memory(res, B)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("layout", ["F", "strided", "readonly"])
@pytest.mark.parametrize("name", list(CASES))
def test_layout_does_not_change_result(name, layout, dtype):
    """Fortran, strided and read-only inputs give the result of a C-contiguous copy."""
    X = _layout(_BASE, layout, dtype)
    B = _layout(_BOOK, layout, dtype)
    got = _call(CASES[name], X, B)
    ref = _call(CASES[name], np.ascontiguousarray(X), np.ascontiguousarray(B))
    # same values, possibly a differently ordered reduction: a few ulps
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert len(got) == len(ref)
    for g, r in zip(got, ref, strict=True):
        assert np.asarray(g).dtype == np.asarray(r).dtype
        assert_allclose(g, r, rtol=rtol, atol=rtol)


def test_kmeans2_result_is_not_the_init_array():
    """Mutating kmeans2's result must not reach the caller's initial code book."""
    B = _BOOK.copy()
    c, _ = kmeans2(_BASE, B, iter=1, minit="matrix")
    c[...] = -1.0
    assert_array_equal(B, _BOOK)
