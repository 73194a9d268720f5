"""Backstep's tests; `tests.support` holds helpers that are plain functions, not fixtures."""
