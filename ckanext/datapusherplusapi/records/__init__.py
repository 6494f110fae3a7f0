"""The built-in JSON/XML loader: reading records (``reading``), their columns
and types (``columns``) and the background job that writes them into the
DataStore (``load``)."""
