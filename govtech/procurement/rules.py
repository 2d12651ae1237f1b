"""Who may do what in procurement: django-rules predicates, as in every app."""

import rules

from govtech.accounts.rules import is_operator

PERMISSIONS = {
    "procurement.import_ocds": is_operator,
}

for name, predicate in PERMISSIONS.items():
    rules.add_perm(name, predicate)
