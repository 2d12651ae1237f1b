"""``{% matching_products text category %}``: the catalog's "products that may already solve
this" block, for any page about a problem (a challenge, an initiative). Other apps load this tag
instead of importing the catalog: the block reads through catalog.selectors, in one query."""

from django import template

from govtech.catalog import selectors

register = template.Library()

LIMIT = 5


@register.inclusion_tag("catalog/partials/_matching.html")
def matching_products(text, category="", *more_text):
    """Products matching ``text`` (and any further texts, e.g. a summary and a problem
    statement, joined after it), with products of ``category`` ranked higher. Only the first
    2,000 characters count, so put the most telling text first."""
    parts = [str(part) for part in (text, *more_text) if part]
    products = selectors.matching_products(text=" ".join(parts), category=category or "", limit=LIMIT)
    return {"products": products, "category": category or ""}
