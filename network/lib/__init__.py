"""Python helpers of the test network, run as modules (``python -m network.lib.seed``, ...)."""
