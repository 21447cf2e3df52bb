"""asv benchmarks of kmeanskit; see ``bench/README.md``."""
