"""The algorithms, written once against the engine interface: the Lloyd loop
and its passes, restarts, seeding draws, the variants' update rules, and the
result objects."""
