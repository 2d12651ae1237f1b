"""Reading an object's number from a request: only ASCII digits within the databases' range.
``int()`` also reads other scripts' digits ("٣", "²" passes isdigit()) and refuses strings of more
than 4,300 digits with an error; neither may reach a query or become a 500."""

MAX_ID = 2**63 - 1  # the largest primary key any database here stores


def parse_id(value) -> int | None:
    """A positive id, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None
