"""Tests of prodbench.production (a package, so its conftest is not imported as the top-level ``conftest``)."""
