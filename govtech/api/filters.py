from rest_framework.filters import SearchFilter

from govtech.core.search import search


class TextSearchFilter(SearchFilter):
    """DRF's ``?search=`` over a view's ``search_fields``, ignoring case in any alphabet."""

    def filter_queryset(self, request, queryset, view):
        fields = getattr(view, "search_fields", None)
        terms = self.get_search_terms(request)
        if not fields or not terms:
            return queryset
        return search(queryset, fields, " ".join(terms))
