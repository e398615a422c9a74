"""citydir benchmarks: ``python -m bench`` (``make bench``). Not part of ``make test``.

Speed is measured here, never asserted in tests. See ``bench/__main__.py`` for the options and
the README's "Performance" section for what each scenario measures.
"""
