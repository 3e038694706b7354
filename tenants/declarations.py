"""The personal data the ``tenants`` package holds (hook ``sympraxis_personal_data_declarations``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.legal.declarations import LegalBasis, PersonalDataDeclaration


def declarations() -> list[PersonalDataDeclaration]:
    """Invitations and the audit log (each municipality's), the billing contact (the operator's)."""
    return [
        PersonalDataDeclaration(
            kind="tenants.invitations",
            title=_l("Invitations to join the municipality's team"),
            categories=(_l("e-mail address"), _l("role offered"), _l("who invited, and when")),
            data_subjects=(_l("people invited to become members or staff"),),
            purpose=_l("To let the invited person join with the role the municipality chose."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_days=90,
            retention_setting="tenants.invitations",
        ),
        PersonalDataDeclaration(
            kind="tenants.audit",
            title=_l("Record of administrative actions"),
            categories=(
                _l("who acted (account and e-mail address)"),
                _l("what was done, and when"),
            ),
            data_subjects=(_l("staff and administrators of the municipality"),),
            purpose=_l(
                "To be able to show who changed what in the municipality's administration, and to "
                "detect misuse (security of processing, Art. 32 GDPR)."
            ),
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention_note=_l(
                "Kept as the municipality's record of administrative actions; the person's e-mail and "
                "network address are removed when they delete their account."
            ),
            recipients=(_l("the platform operator, for the security of the service"),),
        ),
        PersonalDataDeclaration(
            kind="tenants.audit_ips",
            title=_l("Network addresses in the record of administrative actions"),
            categories=(_l("IP address of the device used"),),
            data_subjects=(_l("staff and administrators of the municipality"),),
            purpose=_l("To trace an administrative action back to a device when misuse is suspected."),
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention_days=180,
            retention_setting="tenants.audit_ips",
        ),
        PersonalDataDeclaration(
            kind="tenants.billing_contact",
            title=_l("The municipality's billing contact"),
            categories=(_l("name"), _l("e-mail address")),
            data_subjects=(_l("the person the municipality names for invoices"),),
            purpose=_l("To invoice the municipality for its subscription to the platform."),
            legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
            retention_note=_l(
                "While the municipality subscribes, then as long as tax and accounting law requires "
                "invoices to be kept."
            ),
            recipients=(_l("the payment service that issues the invoices (Stripe)"),),
            controller="operator",
        ),
    ]
