"""The built-in JSON/XML loader (and CSV, TSV when listed in
``builtin_formats``): reading records (``reading``), their columns
and types (``columns``) and the background job that writes them into the
DataStore (``load``)."""
