"""Fault-injection tests: real Fabric nodes killed with SIGKILL under load, then restarted.

``fabric`` and ``directory_network`` come from ``tests/conftest.py`` (shared by every suite);
this suite starts a network of its own (``fault_network`` in test_faults.py).
"""
