"""`onewindow keys rotate`: a new data key, every encrypted value re-encrypted under it; `keys status`."""

from django.core.management.base import BaseCommand
from django.db import transaction

from onewindow.core import audit, crypto


class Command(BaseCommand):
    help = "Data keys of the personal data encrypted at rest."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        rotate = sub.add_parser(
            "rotate", help="New key; re-encrypt every row in batches; then drop the old keys."
        )
        rotate.add_argument("--batch-size", type=int, default=500)
        sub.add_parser("status", help="The current key id and where the keyring comes from.")

    def handle(self, *args, verb, **options):
        ring = crypto.keyring()
        source = str(ring.path) if ring.path else "ONEWINDOW_DATA_KEY"
        if verb == "status":
            self.stdout.write(
                f"current data key {ring.current} ({len(ring.keys)} in the keyring, from {source})"
            )
            return
        result = crypto.rotate(
            batch_size=max(1, options["batch_size"]),
            on_batch=lambda model, rows: self.stdout.write(
                f"  {model._meta.label}: {rows} rows re-encrypted"
            ),
        )
        with transaction.atomic():
            audit.record(
                action="keys.rotated",
                object_type="data_key",
                object_id=result.new_key_id,
                detail={"rows": result.rows, "retired": result.retired, "keyring": source},
            )
        self.stdout.write(
            f"data key rotated: now {result.new_key_id}; {result.rows} rows re-encrypted; "
            f"retired: {', '.join(result.retired) or 'none'}"
        )
