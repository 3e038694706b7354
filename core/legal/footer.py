"""The footer every mail carries: whose mail it is and where its notices are.

Added by :func:`core.mail.send_mail` to every mail, in the language the mail is written in
(callers write to a person inside ``force_locale``): a mail sent inside a municipality (a request
on its host, or a job in its ``tenant_context``) links that municipality's privacy notice and
accessibility statement; any other mail links the apex's notice for the account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _
from markupsafe import Markup, escape

from core.db import active_tenant_id
from core.tenancy import TenantInfo, apex_host, current_tenant, external_url

if TYPE_CHECKING:  # pragma: no cover
    from core.mail import Mail

#: The separator of a signature in plain-text mail (RFC 3676 §4.3), so mail programs fold it away.
SIGNATURE = "-- "


def _tenant() -> TenantInfo | None:
    tenant_id = active_tenant_id()
    if tenant_id is None:
        return None
    tenant = current_tenant()
    if tenant is not None and tenant.id == tenant_id:
        return tenant
    import sqlalchemy as sa

    from core.extensions import db
    from core.tenancy import Tenant, TenantDomain, tenant_info_from_row

    row = db.session.get(Tenant, tenant_id)
    if row is None:
        return None
    host = db.session.execute(  # its primary verified host, as the host lookup ranks them
        sa.select(TenantDomain.host)
        .where(TenantDomain.tenant_id == tenant_id, TenantDomain.verified_at.is_not(None))
        .order_by(TenantDomain.is_primary.desc(), TenantDomain.kind.desc(), TenantDomain.host)
        .limit(1)
        .execution_options(all_tenants=True)  # host names are public; by the mail's tenant id
    ).scalar_one_or_none()
    return tenant_info_from_row(row, primary_host=host or "", host=host or "")


def footer_links() -> tuple[str, list[tuple[str, str]]]:
    """Who sends the mail, and (label, absolute URL) of the notices that apply to it."""
    tenant = _tenant()
    if tenant is None or not (tenant.primary_host or tenant.host):
        return "Sympraxis", [(_("Privacy notice"), external_url(apex_host(), "/legal/privacy"))]
    host = tenant.primary_host or tenant.host
    return tenant.name, [
        (_("Privacy notice"), external_url(host, "/legal/privacy")),
        (_("Accessibility statement"), external_url(host, "/legal/accessibility")),
        (_("Terms of use"), external_url(host, "/legal/terms")),
    ]


def add_footer(mail: Mail) -> Mail:
    """``mail`` with the footer appended to its text (and HTML) part."""
    sender, links = footer_links()
    if mail.unsubscribe_url:
        links = [*links, (_("Stop these e-mails"), mail.unsubscribe_url)]
    lines = [SIGNATURE, sender, *(f"{label}: {url}" for label, url in links)]
    mail.text = mail.text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    if mail.html:
        items = Markup(" · ").join(
            Markup('<a href="{}" style="color:#4a525c;">{}</a>').format(url, label) for label, url in links
        )
        block = Markup(
            '<footer class="mail-footer" style="max-width:600px;margin:0 auto;padding:0 12px 24px;'
            'font-family:Arial,Helvetica,sans-serif;font-size:13px;color:#4a525c;text-align:center;">'
            "<p>{}</p><p>{}</p></footer>"
        ).format(escape(sender), items)
        position = mail.html.lower().rfind("</body>")
        mail.html = (
            mail.html[:position] + str(block) + mail.html[position:]
            if position >= 0
            else mail.html + str(block)
        )
    return mail
