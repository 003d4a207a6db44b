"""`onewindow user add NAME --role ROLE [--department CODE] --password-stdin`, and the operator's
break-glass `onewindow user reset-password NAME` (prints a one-time password; audited)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from onewindow.core.errors import DomainError
from onewindow.org import roles as r
from onewindow.org import services


class Command(BaseCommand):
    help = "Manage users."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        add = sub.add_parser("add", help="Create a user with one role.")
        add.add_argument("username")
        add.add_argument("--role", required=True, help="One of: " + ", ".join(r.ROLES))
        add.add_argument("--department", help="Organisation code; required for approver and department_head.")
        add.add_argument("--full-name", default="")
        add.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input."
        )

        reset = sub.add_parser(
            "reset-password",
            help="Give any account a one-time password (printed) to change at the next login.",
        )
        reset.add_argument("username")

    def handle(self, *args, verb, **options):
        if verb == "reset-password":
            from django.contrib.auth import get_user_model

            from onewindow.org import accounts

            user = get_user_model().objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"unknown user {options['username']}")
            self.stdout.write(accounts.operator_reset_password(user=user))
            return
        if verb == "add":
            if not options["password_stdin"]:
                raise CommandError("--password-stdin is required (passwords never go on the command line)")
            password = sys.stdin.readline().rstrip("\n")
            try:
                staff = services.create_user(
                    actor=None,
                    username=options["username"],
                    role=options["role"],
                    password=password,
                    department=options["department"],
                    full_name=options["full_name"],
                )
            except DomainError as exc:
                lines = [str(exc.message)] + [
                    f"  {field}: {'; '.join(map(str, msgs))}" for field, msgs in exc.errors.items()
                ]
                raise CommandError("\n".join(lines)) from None
            self.stdout.write(f"created {staff.user.username} ({options['role']}, {staff.organisation.code})")
