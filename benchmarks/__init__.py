"""Benchmarks and the seed's reference code: ``from benchmarks import seed_reference`` (the tests do)."""
