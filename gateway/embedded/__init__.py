"""The embedded ledger: the directory on one machine, in one SQLite file (see ``store``)."""
