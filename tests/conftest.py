"""Shared pytest configuration for the test suite."""

# Scripts that regenerate fixtures run under the peers (keras, ...) in their own
# environment; they are not tests, and --doctest-modules must not import them.
collect_ignore_glob = ["fixtures/*.py"]
