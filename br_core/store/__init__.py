"""The local store: SQLite connection, migrations, paths, the TinyDB docstore, the output cache."""
