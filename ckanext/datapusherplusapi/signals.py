"""This extension's signals (blinker, in CKAN's ``ckanext`` namespace).

``lifecycle`` changes job states and tells the rest of the system through
these, after its commit; ``plugin.py`` connects the receivers
(``ISignal``). A receiver takes the sender (a job id) and never raises.
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk

job_failed = tk.signals.ckanext.signal("datapusherplusapi:job_failed")
"""A job left pending or running for ``error`` (sent once per job): the
failure mails and the operators' webhook listen."""
