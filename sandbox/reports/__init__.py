"""Renderers of result documents: terminal (rich), JUnit XML, and more for batches."""
