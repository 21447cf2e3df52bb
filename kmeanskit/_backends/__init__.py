"""From the caller's array library to an engine: dispatch, the engines
(compiled, portable, Dask), thread counts and the support table.

Nothing here decides convergence or validates user input; engines compute
passes over the rows and hand k-sized results back.
"""
