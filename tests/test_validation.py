"""Every documented error path: exception type and a message naming the problem.

Messages are matched on key words (the argument name or the property that is
wrong), not on SciPy's exact wording, and case-insensitively.
"""

import re

import numpy as np
import pytest

from kmeanskit import kmeans, kmeans2, kpp_init, vq, whiten

_X = np.random.default_rng(0).normal(size=(20, 2))
_BOOK = _X[:3].copy()


def _with(a, idx, value):
    a = a.copy()
    a[idx] = value
    return a


_NAN = _with(_X, (4, 1), np.nan)
_INF = _with(_X, (7, 0), np.inf)
_NINF = _with(_X, (0, 0), -np.inf)
_CPLX = _X.astype(np.complex128)
_OBJ = _X.astype(object)
_STR = np.array([["a", "b"], ["c", "d"], ["e", "f"]])
_INT = np.arange(40).reshape(20, 2)
_3D = _X.reshape(10, 2, 2)
_EMPTY = np.empty((0, 2))

FINITE = r"nan|inf|finite"
K = r"\bk\b|k_or_guess|cluster"
RANK = r"rank|ndim|dimension"
WIDTH = r"feature|column|dimension|width|shape"
DTYPE = r"dtype|type|float|complex|object|str"
EMPTY = r"empty|zero|0 "

CASES = [
    # ---- whiten -----------------------------------------------------------
    ("whiten-nan", lambda: whiten(_NAN), ValueError, FINITE),
    ("whiten-inf", lambda: whiten(_INF), ValueError, FINITE),
    ("whiten-str", lambda: whiten(_STR), TypeError, None),
    ("whiten-object", lambda: whiten(_OBJ), TypeError, None),
    # ---- vq -----------------------------------------------------------------
    ("vq-nan-obs", lambda: vq(_NAN, _BOOK), ValueError, FINITE),
    ("vq-inf-obs", lambda: vq(_NINF, _BOOK), ValueError, FINITE),
    ("vq-nan-book", lambda: vq(_X, _with(_BOOK, (1, 1), np.nan)), ValueError, FINITE),
    ("vq-inf-book", lambda: vq(_X, _with(_BOOK, (0, 1), np.inf)), ValueError, FINITE),
    ("vq-rank-2d-1d", lambda: vq(_X, _BOOK[:, 0].copy()), ValueError, RANK),
    ("vq-rank-1d-2d", lambda: vq(_X[:, 0].copy(), _BOOK), ValueError, RANK),
    ("vq-width", lambda: vq(_X, np.ones((3, 3))), ValueError, WIDTH),
    ("vq-3d", lambda: vq(_3D, _3D[:2]), ValueError, RANK),
    ("vq-empty-book", lambda: vq(_X, _EMPTY), ValueError, EMPTY),
    ("vq-complex", lambda: vq(_CPLX, _BOOK), ValueError, DTYPE),
    ("vq-complex-book", lambda: vq(_X, _BOOK.astype(complex)), ValueError, DTYPE),
    ("vq-object", lambda: vq(_OBJ, _BOOK), TypeError, None),
    ("vq-str", lambda: vq(_STR, _STR[:1]), TypeError, None),
    # ---- kmeans -------------------------------------------------------------
    ("kmeans-nan", lambda: kmeans(_NAN, 2, rng=0), ValueError, FINITE),
    ("kmeans-inf", lambda: kmeans(_INF, 2, rng=0), ValueError, FINITE),
    (
        "kmeans-nan-guess",
        lambda: kmeans(_X, _with(_BOOK, (2, 0), np.nan)),
        ValueError,
        FINITE,
    ),
    ("kmeans-k0", lambda: kmeans(_X, 0, rng=0), ValueError, K),
    ("kmeans-k-neg", lambda: kmeans(_X, -1, rng=0), ValueError, K),
    ("kmeans-k-float", lambda: kmeans(_X, 2.5, rng=0), ValueError, K),
    ("kmeans-k-gt-n", lambda: kmeans(_X, 21, rng=0), ValueError, K),
    ("kmeans-3d", lambda: kmeans(_3D, 2, rng=0), ValueError, RANK),
    ("kmeans-guess-width", lambda: kmeans(_X, np.ones((3, 3))), ValueError, WIDTH),
    (
        "kmeans-guess-rank",
        lambda: kmeans(_X, np.array([0.0, 1.0, 2.0])),
        ValueError,
        RANK,
    ),
    ("kmeans-guess-empty", lambda: kmeans(_X, _EMPTY), ValueError, EMPTY + r"|" + K),
    ("kmeans-empty-data", lambda: kmeans(_EMPTY, 2, rng=0), ValueError, EMPTY),
    ("kmeans-complex", lambda: kmeans(_CPLX, 2, rng=0), ValueError, DTYPE),
    ("kmeans-int", lambda: kmeans(_INT, 2, rng=0), TypeError, DTYPE),
    ("kmeans-object", lambda: kmeans(_OBJ, 2, rng=0), TypeError, None),
    ("kmeans-iter0", lambda: kmeans(_X, 2, iter=0, rng=0), ValueError, "iter"),
    ("kmeans-iter-neg", lambda: kmeans(_X, 2, iter=-3, rng=0), ValueError, "iter"),
    ("kmeans-iter-float", lambda: kmeans(_X, 2, iter=2.5, rng=0), TypeError, "iter"),
    ("kmeans-iter-str", lambda: kmeans(_X, 2, iter="3", rng=0), TypeError, "iter"),
    (
        "kmeans-thresh-neg",
        lambda: kmeans(_X, 2, thresh=-1.0, rng=0),
        ValueError,
        "thresh",
    ),
    (
        "kmeans-thresh-neg-guess",
        lambda: kmeans(_X, _BOOK, thresh=-1e-9),
        ValueError,
        "thresh",
    ),
    # ---- kmeans2 ------------------------------------------------------------
    ("kmeans2-nan", lambda: kmeans2(_NAN, 2, rng=0), ValueError, FINITE),
    (
        "kmeans2-inf",
        lambda: kmeans2(_INF, 2, minit="points", rng=0),
        ValueError,
        FINITE,
    ),
    (
        "kmeans2-nan-matrix",
        lambda: kmeans2(_X, _with(_BOOK, (0, 0), np.nan), minit="matrix"),
        ValueError,
        FINITE,
    ),
    ("kmeans2-k0", lambda: kmeans2(_X, 0, rng=0), ValueError, K),
    ("kmeans2-k-neg", lambda: kmeans2(_X, -2, minit="points", rng=0), ValueError, K),
    ("kmeans2-k-half", lambda: kmeans2(_X, 0.5, minit="points", rng=0), ValueError, K),
    (
        "kmeans2-k-gt-n-points",
        lambda: kmeans2(_X, 21, minit="points", rng=0),
        ValueError,
        K,
    ),
    ("kmeans2-3d", lambda: kmeans2(_3D, 2, rng=0), ValueError, RANK),
    (
        "kmeans2-matrix-rank",
        lambda: kmeans2(_X, np.array([0.0, 1.0, 2.0]), minit="matrix"),
        ValueError,
        RANK + r"|\bk\b",
    ),
    (
        "kmeans2-matrix-width",
        lambda: kmeans2(_X, np.ones((3, 3)), minit="matrix"),
        ValueError,
        WIDTH + r"|\bk\b",
    ),
    ("kmeans2-empty-data", lambda: kmeans2(_EMPTY, 2, rng=0), ValueError, EMPTY),
    (
        "kmeans2-empty-matrix",
        lambda: kmeans2(_X, _EMPTY, minit="matrix"),
        ValueError,
        EMPTY + r"|" + K,
    ),
    (
        "kmeans2-complex",
        lambda: kmeans2(_CPLX, 2, minit="points", rng=0),
        ValueError,
        DTYPE,
    ),
    ("kmeans2-int", lambda: kmeans2(_INT, 2, minit="points", rng=0), TypeError, DTYPE),
    (
        "kmeans2-object",
        lambda: kmeans2(_OBJ, 2, minit="points", rng=0),
        TypeError,
        None,
    ),
    ("kmeans2-iter0", lambda: kmeans2(_X, 2, iter=0, rng=0), ValueError, "iter"),
    ("kmeans2-iter-neg", lambda: kmeans2(_X, 2, iter=-1, rng=0), ValueError, "iter"),
    ("kmeans2-iter-float", lambda: kmeans2(_X, 2, iter=2.5, rng=0), TypeError, "iter"),
    (
        "kmeans2-minit",
        lambda: kmeans2(_X, 2, minit="bogus", rng=0),
        ValueError,
        "minit|bogus",
    ),
    (
        "kmeans2-missing",
        lambda: kmeans2(_X, 2, missing="bogus", rng=0),
        ValueError,
        "missing|bogus",
    ),
    # ---- kpp_init ----------------------------------------------------------
    ("kpp-nan", lambda: kpp_init(_NAN, 2, rng=0), ValueError, FINITE),
    ("kpp-k0", lambda: kpp_init(_X, 0, rng=0), ValueError, K),
    ("kpp-3d", lambda: kpp_init(_3D, 2, rng=0), ValueError, RANK),
    ("kpp-empty", lambda: kpp_init(_EMPTY, 2, rng=0), ValueError, EMPTY),
    (
        "kpp-trials0",
        lambda: kpp_init(_X, 2, rng=0, n_local_trials=0),
        ValueError,
        "n_local_trials",
    ),
]


@pytest.mark.parametrize(
    "call, exc, match", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_error(call, exc, match, no_hang):
    """The call raises the documented exception type with an informative message."""
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    assert msg, "error message must not be empty"
    if match is not None:
        assert re.search(match, msg, re.IGNORECASE), (
            f"message {msg!r} does not match {match!r}"
        )


# --------------------------------------------------------------------------
# Inputs that must NOT raise (the other side of the checks above)
# --------------------------------------------------------------------------


class TestAccepted:
    def test_check_finite_false_kmeans2_matrix_finite(self):
        """check_finite=False on finite data behaves like the default."""
        a = kmeans2(_X, _BOOK, minit="matrix", check_finite=False)
        b = kmeans2(_X, _BOOK, minit="matrix")
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])

    def test_k_equal_n_points_ok(self):
        """k == n is allowed for minit='points' and kmeans."""
        c, lab = kmeans2(_X, 20, minit="points", rng=0)
        assert c.shape == (20, 2)
        book, dist = kmeans(_X, 20, rng=0)
        assert book.shape == (20, 2)
        assert dist == 0

    def test_kmeans_thresh_zero_ok(self, no_hang):
        """thresh=0 is valid (only negative thresholds are rejected)."""
        book, _ = kmeans(_X, 3, thresh=0.0, rng=0)
        assert np.isfinite(book).all()

    def test_whiten_complex_ok(self):
        """whiten accepts complex data (as SciPy) while vq/kmeans reject it."""
        out = whiten(_CPLX + 1j)
        assert np.iscomplexobj(out)


# --------------------------------------------------------------------------
# Errors about rows name every offending row (the first few and the count)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("where, text", [
    ([3], "row 3"),
    ([0, 4], "rows 0 and 4"),
    ([1, 2, 5], "rows 1, 2 and 5"),
    (range(5), "rows 0, 1, 2, 3 and 4"),
    (range(2, 12), "rows 2, 3, 4, 5, 6 and 5 more (10 in all)"),
])
def test_positions_lists_the_first_five_and_counts(where, text):
    from kmeanskit._base._validate import positions

    mask = np.zeros(20, dtype=bool)
    mask[list(where)] = True
    assert positions(mask) == text


def test_bad_weights_name_every_index():
    w = np.ones(len(_X))
    w[[3, 8]] = -1.0
    with pytest.raises(ValueError, match=r"at indices 3 and 8\."):
        kpp_init(_X, 2, weights=w)
    w[[3, 8]] = np.nan
    with pytest.raises(ValueError, match=r"inf or a NaN at indices 3 and 8\."):
        kpp_init(_X, 2, weights=w)


# --------------------------------------------------------------------------
# pandas: nullable dtypes are converted (missing values become NaN)
# --------------------------------------------------------------------------


class TestPandasNullable:
    @pytest.fixture(autouse=True)
    def _pandas(self):
        self.pd = pytest.importorskip("pandas")

    def _frame(self, dtype):
        return self.pd.DataFrame(_X, columns=["a", "b"]).astype(dtype)

    @pytest.mark.parametrize("dtype", ["Float64", "Float32"])
    def test_nullable_floats_give_the_float_result(self, dtype):
        # The reference is the same frame with NumPy's dtype (NumPy reads
        # both column by column, and whiten's sums depend on the layout).
        frame, plain = self._frame(dtype), self._frame(dtype.lower())
        book = _BOOK.astype(dtype.lower())
        want = kmeans2(plain, book, minit="matrix")
        got = kmeans2(frame, book, minit="matrix")
        assert got[0].dtype == np.dtype(dtype.lower())
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_array_equal(whiten(frame), whiten(plain))

    def test_missing_values_fail_check_finite(self):
        frame = self._frame("Float64")
        frame.iloc[4, 1] = self.pd.NA
        with pytest.raises(ValueError, match="must not contain infs or NaNs"):
            kmeans2(frame, 2, minit="++", rng=0)
        # without the check they are NaN, as in a float64 array
        got = vq(frame, _BOOK, check_finite=False)
        want = vq(_NAN, _BOOK, check_finite=False)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
        assert not np.isfinite(got[1][4]) and np.isfinite(np.delete(got[1], 4)).all()

    def test_nullable_integers_are_integers(self):
        frame = self.pd.DataFrame(_INT).astype("Int64")
        np.testing.assert_array_equal(vq(frame, _INT[:2])[0], vq(_INT, _INT[:2])[0])
        with pytest.raises(TypeError, match="floating-point"):
            kmeans2(frame, 2, minit="++", rng=0)
        frame.iloc[0, 0] = self.pd.NA  # a gap: floats, so it can be NaN
        with pytest.raises(ValueError, match="must not contain infs or NaNs"):
            vq(frame, _INT[:2])

    def test_series_and_weights(self):
        frame = self._frame("Float64")
        weights = self.pd.Series(np.arange(1, 21), dtype="Float64")
        got = kmeans2(frame, _BOOK, minit="matrix", weights=weights)
        want = kmeans2(_X, _BOOK, minit="matrix", weights=np.arange(1.0, 21.0))
        np.testing.assert_array_equal(got[0], want[0])
        col = self.pd.Series(_X[:, 0], dtype="Float64")
        np.testing.assert_array_equal(whiten(col), whiten(_X[:, 0]))
