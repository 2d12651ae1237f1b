"""Case-insensitive text search that behaves the same on PostgreSQL and SQLite."""

from collections.abc import Sequence

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower


class UnicodeLower(Lower):
    """LOWER() everywhere, but the Unicode-aware UNICODE_LOWER() on SQLite (govtech.core.sqlite)."""

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="UNICODE_LOWER", **extra_context)


def search(queryset: QuerySet, fields: Sequence[str], query: str) -> QuerySet:
    """Rows where any of ``fields`` contains every word of ``query``, ignoring case."""
    words = query.lower().split()
    if not words or not fields:
        return queryset
    annotations = {f"_search_{index}": UnicodeLower(field) for index, field in enumerate(fields)}
    queryset = queryset.annotate(**annotations)
    for word in words:
        matches = Q()
        for name in annotations:
            matches |= Q(**{f"{name}__contains": word})
        queryset = queryset.filter(matches)
    return queryset
