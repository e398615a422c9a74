"""Security tests against the shared real network (``directory_network``, from tests/conftest.py)."""
