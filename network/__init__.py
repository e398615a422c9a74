"""citydir's test network: bash scripts, and the Python helpers in network.lib."""
