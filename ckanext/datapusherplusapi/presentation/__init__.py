"""How the pages show this extension's data, by topic: ``words`` (statuses,
reasons and counts in the reader's language), ``numbers`` (durations,
percentages, progress as the reader's language writes numbers), ``listing``
(the jobs lists' URLs and pager) and ``chart`` (the dashboard's bars).

The templates reach them through ``helpers.py`` (``h.datapusherplusapi_*``).
"""
