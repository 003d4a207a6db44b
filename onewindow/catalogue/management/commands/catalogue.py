"""`onewindow catalogue import PATH` / `onewindow catalogue export PATH` (.xlsx or .csv, one template)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from onewindow.catalogue import services, spreadsheet


class Command(BaseCommand):
    help = "Import or export the catalogue in the template of docs/catalogue-template.md (.xlsx or .csv)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        importing = sub.add_parser("import", help="All-or-nothing: any bad row → exit 1, nothing changed.")
        importing.add_argument("path")
        exporting = sub.add_parser("export", help="Write every sub-item's current published guide.")
        exporting.add_argument("path")

    def handle(self, *args, action, path, **options):
        with translation.override("zh-hans"):
            if action == "export":
                self._export(path)
            else:
                self._import(path)

    def _export(self, path):
        if not path.lower().endswith((".xlsx", ".csv")):
            raise CommandError("PATH must end in .xlsx or .csv", returncode=1)
        rows = spreadsheet.export_rows()
        spreadsheet.write(path, rows)
        self.stdout.write(f"exported {len(rows) - 1} rows to {path}")

    def _import(self, path):
        try:
            report = services.import_catalogue(actor=None, path=path)
        except services.ImportRejected as exc:
            for e in exc.rows:
                column = f" [{e['column']}]" if e["column"] else ""
                self.stderr.write(f"row {e['row']}{column}: {e['message']}")
            raise CommandError(str(exc.message), returncode=1) from exc
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {path}", returncode=1) from exc
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in report.items()))
