"""Who may do what in procurement: django-rules predicates, as in every app."""

import rules

from govtech.accounts.rules import is_operator, is_signed_in


@rules.predicate
def is_search_owner(user, search) -> bool:
    return is_signed_in(user) and getattr(search, "owner_id", None) == user.pk


PERMISSIONS = {
    "procurement.import_ocds": is_operator,
    "procurement.save_search": is_signed_in,
    "procurement.manage_search": is_search_owner,  # obj: the saved search
}

for name, predicate in PERMISSIONS.items():
    rules.add_perm(name, predicate)
