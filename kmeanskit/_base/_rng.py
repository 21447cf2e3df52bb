"""Random-number arguments: SPEC 7 ``rng`` and SciPy's legacy ``seed``.

kmeanskit resolves the two keywords exactly as ``scipy.cluster.vq`` does, so a
call moved from SciPy draws the same numbers:

* neither given: NumPy's global ``RandomState`` (``np.random.seed`` applies);
* ``rng=...``: ``numpy.random.default_rng(rng)`` (``rng=None`` is fresh
  entropy, an int seeds a PCG64 ``Generator``);
* ``seed=...``: the legacy meaning (None or ``np.random``: the global
  ``RandomState``; an int: a new ``RandomState(seed)``, an MT19937 stream
  different from ``rng=int``; a ``RandomState`` or ``Generator``: used as is);
* both given: ``TypeError``.
"""

import numbers

import numpy as np

__all__ = ["UNSET", "as_generator", "resolve_rng", "random_integer"]


class _Unset:
    """Default of ``rng`` and ``seed``: "not given", i.e. the global RandomState."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "<global RandomState>"

    def __reduce__(self):
        return (_Unset, ())


UNSET = _Unset()


def resolve_rng(rng, seed, *, func_name):
    """Return the ``Generator`` or ``RandomState`` a call draws from.

    Parameters
    ----------
    rng, seed : object
        The caller's ``rng`` and ``seed`` keywords, ``UNSET`` when omitted.
    func_name : str
        Public function name, used in error messages.

    Returns
    -------
    numpy.random.Generator or numpy.random.RandomState

    Raises
    ------
    TypeError
        If both ``rng`` and ``seed`` were given.
    ValueError
        If ``seed`` cannot seed a ``RandomState``.
    """
    rng_given = rng is not UNSET
    seed_given = seed is not UNSET
    if rng_given and seed_given:
        raise TypeError(
            f"{func_name}() got both `rng` and `seed`: they are two names for "
            "the same argument; specify only one (prefer `rng`)."
        )
    if rng_given:
        try:
            return np.random.default_rng(rng)
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                f"{func_name}(): rng={rng!r} cannot be turned into a "
                f"numpy.random.Generator ({exc})"
            ) from exc
    if seed_given:
        return _legacy_random_state(seed, func_name)
    return np.random.mtrand._rand


def as_generator(rng):
    """The random source a non-SciPy ``rng`` keyword names.

    Parameters
    ----------
    rng : object
        A ``Generator`` or ``RandomState`` (used as is: the caller's stream
        advances, and a ``RandomState`` keeps its legacy draws), or anything
        ``numpy.random.default_rng`` takes (None, an int, a ``SeedSequence``,
        a ``BitGenerator``).

    Returns
    -------
    numpy.random.Generator or numpy.random.RandomState
    """
    if isinstance(rng, np.random.Generator | np.random.RandomState):
        return rng
    return np.random.default_rng(rng)


def _legacy_random_state(seed, func_name):
    """SciPy's ``check_random_state``: the legacy meaning of ``seed``."""
    if seed is None or seed is np.random:
        return np.random.mtrand._rand
    if isinstance(seed, numbers.Integral | np.integer):
        return np.random.RandomState(seed)
    if isinstance(seed, np.random.RandomState | np.random.Generator):
        return seed
    raise ValueError(
        f"{func_name}(): seed={seed!r} cannot be used to seed a "
        "numpy.random.RandomState; pass None, an int, a RandomState or a Generator."
    )


def random_integer(rng, high):
    """One integer in ``[0, high)``, drawn as SciPy's ``rng_integers`` does."""
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(high, dtype=np.int64))
    return int(rng.randint(high, dtype=np.int64))
