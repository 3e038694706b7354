"""Onboarding services of the ``tenants`` package, on top of the kernel's tenant records."""

from core.tenant_admin import NewTenant, TenantError, create_tenant, set_status, validate_new_tenant

__all__ = ["NewTenant", "TenantError", "create_tenant", "set_status", "validate_new_tenant"]
