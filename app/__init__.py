"""Backstep web layer: FastAPI routes, settings and storage around the pure `engine` package."""
