"""PR-loop tests (a package, so tests/diff/conftest.py does not shadow the root ``conftest`` module)."""
