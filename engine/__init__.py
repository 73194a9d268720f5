"""Backstep engine: dense networks, step traces and training in NumPy only."""
