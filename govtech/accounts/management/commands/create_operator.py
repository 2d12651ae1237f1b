from django.core.management.base import BaseCommand, CommandError

from govtech.accounts import services
from govtech.accounts.models import User
from govtech.core.errors import ServiceError


class Command(BaseCommand):
    help = "Make an existing account the first operator of a new installation (recorded in the audit log)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"no account with the e-mail {email}: sign up first")
        try:
            services.operator_bootstrap(user=user)
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS(f"{user.email} is now an operator"))
