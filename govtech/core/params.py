"""Reading list parameters of searches: a filter's values may be repeated (``?status=a&status=b``)
or separated by commas (``?status=a,b``), in a query string or in a dict (a saved search)."""


def split_values(value) -> list[str]:
    """The non-empty comma-separated parts of a value or of each value of a list."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def param_values(params, name: str) -> list[str]:
    """Every value of one parameter, from a QueryDict (repeated) or a plain dict."""
    if hasattr(params, "getlist"):
        return split_values(params.getlist(name))
    return split_values(params.get(name))
