"""SQLite with Unicode-aware lower-casing, so search ignores case in Cyrillic too.

SQLite's own LOWER() and LIKE fold only ASCII letters; PostgreSQL folds all of them.
This backend adds UNICODE_LOWER(), which govtech.core.search uses on SQLite."""

from django.db.backends.sqlite3 import base


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.create_function("UNICODE_LOWER", 1, _unicode_lower, deterministic=True)
        return connection
