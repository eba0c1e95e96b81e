"""Benchmarks against their limits; see README.md here."""
