"""The plugin's actions, by audience: ``resource.py`` (submit, status,
history, the service's callback), ``admin.py`` (the sysadmin dashboard and
the ``ckan`` command), ``chains.py`` (chained core and loader actions: how
this extension hears of what the DataStore and the loaders do)."""
