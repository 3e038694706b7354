"""Periodic jobs of the ``tenants`` package declared through ``sympraxis_periodic_jobs``."""

from __future__ import annotations

from typing import Any

from core.jobs import job


@job("tenants.audit_ip_purge")
def audit_ip_purge_job(payload: dict[str, Any]) -> None:
    """The audit log's platform entries lose their IP addresses after AUDIT_IP_RETENTION_DAYS."""
    from tenants.privacy import purge_platform_audit_ips

    purge_platform_audit_ips()


@job("tenants.deletions_due")
def deletions_due_job(payload: dict[str, Any]) -> None:
    """Municipalities whose deletion's grace period is over: deleted, certificate written."""
    from tenants.deletion import run_due

    run_due()
