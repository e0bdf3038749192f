"""runyard's benchmark (run it with `python scripts/bench`; see README, Benchmarks).

Kept apart from the test suite: it seeds large stores, starts real servers and
workers and drives them with a load generator in another process. The modules
that set up and read stores import runyard (its schema, key store, states);
the floors (bench.floor, bench.spawnfloor), the load generator, the stream
holder (bench.streamhold) and the peer's set-up do not, so they measure
nothing of runyard's by accident.
"""
