"""Core tables: the append-only, hash-chained audit log."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One audited act. Rows are only ever appended: a trigger refuses UPDATE and DELETE."""

    seq = models.PositiveBigIntegerField(
        _("sequence"),
        unique=True,
        null=True,
        blank=True,
        help_text=_(
            "Position in the chain, 1, 2, 3… without gaps; empty until the sealer chains the entry "
            "(within a second of its commit)."
        ),
    )
    at = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor = models.CharField(_("actor"), max_length=150, help_text=_("Username, or 'system' for the CLI."))
    role = models.CharField(_("role"), max_length=40, blank=True)
    organisation = models.CharField(_("organisation"), max_length=40, blank=True)
    region = models.CharField(_("region"), max_length=12, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=80, blank=True, db_index=True)
    success = models.BooleanField(_("success"), default=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    # NULL, not "": "not sealed yet" is what the sealer's partial index and the database guard test for.
    prev_hash = models.CharField(_("previous hash"), max_length=64, null=True, blank=True)  # noqa: DJ001
    hash = models.CharField(  # noqa: DJ001
        _("hash"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("SM3 over this entry and prev_hash; empty until sealed."),
    )

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        # Insertion order; the chain's order is `seq` (equal for all entries sealed in one run).
        ordering = ["id"]
        indexes = [
            # The sealer's queue: only the entries still waiting, so it stays tiny however long the log.
            models.Index(fields=["id"], name="core_audit_unsealed", condition=models.Q(hash__isnull=True)),
        ]

    def __str__(self):
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action}"


class AuditChainHead(models.Model):
    """The end of the sealed chain. Only the sealer locks it (writers insert unsealed entries and never
    wait for it), except in inline mode (SQLite), where each writer seals its own entry."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    sealed_at = models.DateTimeField(null=True, blank=True, help_text=_("When the last entries were sealed."))
    lag_ms = models.PositiveBigIntegerField(
        default=0, help_text=_("The oldest entry of the last sealing run waited this long (milliseconds).")
    )

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self):
        return f"#{self.seq}"


class RateCounter(models.Model):
    """Hits of one rate-limit key (scope, client or subject, time slot), shared by every worker process:
    incremented with one atomic upsert, deleted once expired."""

    key = models.CharField(_("key"), max_length=200, primary_key=True)
    hits = models.PositiveIntegerField(_("hits"), default=0)
    expires_at = models.FloatField(_("expires at"), db_index=True, help_text=_("Unix time."))

    class Meta:
        verbose_name = _("rate counter")

    def __str__(self):
        return f"{self.key}: {self.hits}"


class DataStamp(models.Model):
    """One row whose value database triggers replace whenever cached reference data changes (core.stamps)."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("reference data stamp")

    def __str__(self):
        return str(self.value)
