"""Tests of the report stage (a package so that its ``conftest.py`` does not shadow ``tests/conftest.py``)."""
