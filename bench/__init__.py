"""runyard's benchmark (run it with `python scripts/bench`; see README, Benchmarks).

Kept apart from the test suite: it seeds large stores, starts real servers and
drives them with a load generator in another process. Only `bench.seed` imports
runyard (it writes through runyard's own schema and key store); the floor app,
the load generator and the peer's set-up do not, so they measure nothing of
runyard's by accident.
"""
