from allauth.account.auth_backends import AuthenticationBackend


class EmailAuthenticationBackend(AuthenticationBackend):
    """Signs people in (django-allauth, by e-mail) and answers no permission question:
    permissions come only from the rules in each app's rules.py, never from database
    permission rows, so pages, API and admin agree (and no query is spent on them)."""

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return False

    def has_module_perms(self, user_obj, app_label) -> bool:
        return False

    def get_all_permissions(self, user_obj, obj=None) -> set:
        return set()

    def get_user_permissions(self, user_obj, obj=None) -> set:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set:
        return set()
