"""Who may do what in residents' participation."""

import rules

from govtech.accounts.models import OrganizationKind
from govtech.accounts.rules import is_operator, is_signed_in
from govtech.participation.models import Call, Comment, Idea


def _agency_member(user, organization) -> bool:
    return (
        is_signed_in(user)
        and organization is not None
        and organization.kind == OrganizationKind.AGENCY
        and organization.memberships.filter(user=user).exists()
    )


@rules.predicate
def is_agency_member(user, obj) -> bool:
    """A member of the agency (obj: the agency, a call, or an idea's responsible agency)."""
    if isinstance(obj, Call):
        return _agency_member(user, obj.agency)
    if isinstance(obj, Idea):
        return _agency_member(user, obj.agency)
    return _agency_member(user, obj)


@rules.predicate
def is_author(user, obj) -> bool:
    return is_signed_in(user) and getattr(obj, "author_id", None) == user.pk


@rules.predicate
def is_public_idea(user, idea) -> bool:
    return isinstance(idea, Idea) and idea.is_public


@rules.predicate
def is_call_moderator(user, obj) -> bool:
    """The agency running the call moderates its ideas and their comments."""
    idea = obj.idea if isinstance(obj, Comment) else obj
    return isinstance(idea, Idea) and idea.call_id is not None and _agency_member(user, idea.call.agency)


PERMISSIONS = {
    "participation.view_idea": is_public_idea | is_author | is_operator | is_agency_member | is_call_moderator,
    "participation.submit_idea": is_signed_in,
    "participation.vote": is_signed_in,
    "participation.comment": is_signed_in,
    "participation.edit_comment": is_author,
    "participation.report": is_signed_in,
    # obj: an idea or a comment
    "participation.moderate": is_operator | is_call_moderator,
    "participation.view_moderation_queue": is_operator,
    # obj: the agency
    "participation.manage_call": is_operator | is_agency_member,
    "participation.assign_agency": is_operator,
    "participation.answer_idea": is_operator | is_agency_member,
    "participation.view_agency_inbox": is_operator | is_agency_member,
    "participation.submit_story": is_signed_in,
    "participation.manage_own": is_signed_in,
}

for name, predicate in PERMISSIONS.items():
    rules.add_perm(name, predicate)
