"""Benchmarks (`make bench`): never run by the test suite, never timed assertions."""
