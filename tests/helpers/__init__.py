"""Helpers shared by the tests: videos made on the fly, seeded nights, the real clips, a browser."""
