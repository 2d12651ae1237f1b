"""Searching a ``search_stems`` column (see core.stemming) on any database.

PostgreSQL matches through a GIN index over ``to_tsvector('simple', search_stems)`` (created by
:func:`stems_index_operation` in a migration); SQLite, the embedded default, scans the column with LIKE. Both rank
by the number of the query's stems a row contains, so results are the same on both."""

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection, migrations
from django.db.models import Case, F, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from govtech.core.stemming import stems


class _StemsVector(Func):
    """``to_tsvector('simple', column)``, written exactly as the index is, so that PostgreSQL
    answers from it (Django's SearchVector wraps the column in COALESCE, which no index matches)."""

    function = "to_tsvector"
    template = "%(function)s('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


def _vector(field: str) -> _StemsVector:
    return _StemsVector(F(field))


def stems_index_operation(table: str, column: str, name: str) -> migrations.RunPython:
    """A migration step creating the GIN index PostgreSQL answers stem queries from; SQLite, which
    has no GIN, scans instead, so there the step does nothing."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            quote = schema_editor.quote_name
            schema_editor.execute(
                f"CREATE INDEX {quote(name)} ON {quote(table)} USING gin (to_tsvector('simple', {quote(column)}))"
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    return migrations.RunPython(create, drop)


def search_by_stems(
    queryset: QuerySet, field: str, text: str, *, annotate_as: str = "matched", require_all: bool = False
) -> QuerySet:
    """Rows containing at least one stem of ``text`` (every stem with ``require_all``), annotated
    with how many they contain. An empty query (only stop words, say) matches nothing."""
    query_stems = stems(text)[:20]
    if not query_stems:
        # Still annotated, so that callers ordering by the match count need no special case.
        return queryset.annotate(**{annotate_as: Value(0, output_field=IntegerField())}).none()
    queryset = _holding(queryset, field, query_stems, require_all=require_all)
    if require_all:
        # Every row holds every stem: nothing to count row by row.
        return queryset.annotate(**{annotate_as: Value(len(query_stems), output_field=IntegerField())})
    count = sum(
        (Case(When(**{f"{field}__contains": f" {root} "}, then=Value(1)), default=Value(0)) for root in query_stems),
        Value(0),
    )
    return queryset.annotate(**{annotate_as: Coalesce(count, Value(0), output_field=IntegerField())})


def holding_stem(queryset: QuerySet, field: str, stem: str) -> QuerySet:
    """Rows whose stems include this one (a stem as core.stemming.stems gives it, not a word)."""
    return _holding(queryset, field, [stem], require_all=True)


def _holding(queryset: QuerySet, field: str, query_stems: list[str], *, require_all: bool) -> QuerySet:
    if connection.vendor == "postgresql":
        # Stems are letters and digits only, so they are safe as raw tsquery lexemes.
        operator = " & " if require_all else " | "
        query = SearchQuery(operator.join(query_stems), search_type="raw", config="simple")
        return queryset.alias(_stems_vector=_vector(field)).filter(_stems_vector=query)
    stem_filter = Q()
    for root in query_stems:
        condition = Q(**{f"{field}__contains": f" {root} "})
        stem_filter = stem_filter & condition if require_all else stem_filter | condition
    return queryset.filter(stem_filter)
