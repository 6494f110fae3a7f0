"""Python 3.11 compatibility for the DataPusher *test/dev harness only*.

The PyPI ``datapusher`` 0.0.17 service depends on ``messytables``, which
still imports ``collections.Mapping`` and friends (moved to
``collections.abc`` in Python 3.3 and removed from ``collections`` in 3.10).
This file is put on the service's PYTHONPATH by ``bin/dpp.sh``; it is never
part of the ckanext-datapusherplusapi package.
"""
import collections
import collections.abc

for _name in ("Mapping", "MutableMapping", "Sequence", "Iterable",
              "Callable", "Set", "MutableSet", "Hashable"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))
