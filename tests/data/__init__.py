"""Tests of prodbench.data (a package, so its conftest is not imported as the top-level ``conftest``)."""
