"""Choosing and judging a clustering: metrics, the gap statistic, Kneedle,
``choose_k`` and the initialization-stability study.  Built on the public
functions and the core's seeded fits."""
