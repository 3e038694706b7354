"""What personal data the platform holds, why, on which legal basis and for how long.

Every plugin that stores personal data declares it through the hook
``sympraxis_personal_data_declarations`` (a list of :class:`PersonalDataDeclaration`); the core
declares its own (accounts, memberships, the legal notices' feedback) here. The privacy notice of
each municipality, the apex's notice for the account, and the records of processing (GDPR
Art. 30) are generated from these declarations, with the retention each municipality has set
(:func:`effective_retention`), so what people read is what the platform does.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.extensions import db


class LegalBasis(enum.StrEnum):
    """The lawful bases of GDPR Art. 6(1)."""

    CONSENT = "art6_1_a"
    CONTRACT = "art6_1_b"
    LEGAL_OBLIGATION = "art6_1_c"
    VITAL_INTERESTS = "art6_1_d"
    PUBLIC_TASK = "art6_1_e"
    LEGITIMATE_INTERESTS = "art6_1_f"


class SpecialCategoryCondition(enum.StrEnum):
    """The conditions of GDPR Art. 9(2) under which special-category data (health, disability…)
    may be processed; a declaration of such data names one beside its Art. 6 basis."""

    EXPLICIT_CONSENT = "art9_2_a"
    EMPLOYMENT_SOCIAL_PROTECTION = "art9_2_b"
    MADE_PUBLIC = "art9_2_e"
    SUBSTANTIAL_PUBLIC_INTEREST = "art9_2_g"


LEGAL_BASIS_LABELS = {
    LegalBasis.CONSENT: _l("Art. 6(1)(a) GDPR: the consent of the person"),
    LegalBasis.CONTRACT: _l("Art. 6(1)(b) GDPR: a contract with the person, or steps they asked for"),
    LegalBasis.LEGAL_OBLIGATION: _l("Art. 6(1)(c) GDPR: a legal obligation of the controller"),
    LegalBasis.VITAL_INTERESTS: _l("Art. 6(1)(d) GDPR: the vital interests of a person"),
    LegalBasis.PUBLIC_TASK: _l(
        "Art. 6(1)(e) GDPR: a task carried out in the public interest or in the exercise of official "
        "authority"
    ),
    LegalBasis.LEGITIMATE_INTERESTS: _l("Art. 6(1)(f) GDPR: the legitimate interests of the controller"),
}
SPECIAL_CATEGORY_LABELS = {
    SpecialCategoryCondition.EXPLICIT_CONSENT: _l("Art. 9(2)(a) GDPR: the explicit consent of the person"),
    SpecialCategoryCondition.EMPLOYMENT_SOCIAL_PROTECTION: _l(
        "Art. 9(2)(b) GDPR: obligations in employment, social security and social protection law"
    ),
    SpecialCategoryCondition.MADE_PUBLIC: _l("Art. 9(2)(e) GDPR: data the person has made public"),
    SpecialCategoryCondition.SUBSTANTIAL_PUBLIC_INTEREST: _l(
        "Art. 9(2)(g) GDPR: reasons of substantial public interest, on the basis of law"
    ),
}

#: Who decides about the data: the municipality (the platform is its processor), or the operator
#: (the cross-municipality account, the operator's own customer relations).
CONTROLLERS = ("municipality", "operator")


def _texts(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        return (value,)
    return tuple(value)


@dataclass(frozen=True)
class PersonalDataDeclaration:
    """One kind of personal data a plugin holds (hook ``sympraxis_personal_data_declarations``).

    ``kind`` is a stable key (``"<plugin>.<what>"``, e.g. ``"hearings.registrations"``); the
    texts (``title``, ``categories``, ``purpose``, ``data_subjects``, ``recipients``,
    ``retention_note``) are shown to people: pass ``lazy_gettext`` strings. ``legal_basis`` is a
    :class:`LegalBasis` (GDPR Art. 6(1)); special-category data (Art. 9: health, disability)
    also names its ``special_category`` condition. ``retention_days`` is the default time the
    data is kept (None: as long as ``retention_note`` says, e.g. while the account exists);
    ``retention_setting`` names the retention rule that enforces it (the key of a
    ``RetentionRule``, hook ``sympraxis_retention_rules``, e.g. ``"hearings.registrations"``):
    the notice then shows the period the municipality chose in ``/admin/privacy``, the one the
    purge applies. (A key of the plugin's own settings is still read, for a plugin that
    enforces a period of its own.)
    ``recipients`` are those the data is disclosed to beyond the controller's own staff.
    ``controller`` is ``"municipality"`` (the usual case: the platform processes the data for
    it) or ``"operator"`` (the operator's own data, such as the account itself).
    """

    kind: str
    title: Any
    categories: tuple[Any, ...]
    purpose: Any
    legal_basis: str
    retention_days: int | None = None
    retention_setting: str | None = None
    retention_note: Any = ""
    data_subjects: tuple[Any, ...] = ()
    recipients: tuple[Any, ...] = ()
    special_category: str | None = None
    controller: str = "municipality"
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or not self.kind.strip():
            raise ValueError("a personal data declaration needs a kind")
        if self.legal_basis not in set(LegalBasis):
            raise ValueError(f"{self.kind}: legal_basis must be a LegalBasis, not {self.legal_basis!r}")
        if self.special_category is not None and self.special_category not in set(SpecialCategoryCondition):
            raise ValueError(f"{self.kind}: special_category must be a SpecialCategoryCondition")
        if self.controller not in CONTROLLERS:
            raise ValueError(f"{self.kind}: controller must be one of {CONTROLLERS}")
        if self.retention_days is not None and (
            not isinstance(self.retention_days, int) or self.retention_days < 1
        ):
            raise ValueError(f"{self.kind}: retention_days must be a positive number of days or None")
        if self.retention_days is None and not self.retention_note:
            raise ValueError(f"{self.kind}: without retention_days, say in retention_note how long")
        for name in ("categories", "data_subjects", "recipients"):
            object.__setattr__(self, name, _texts(getattr(self, name)))
        if not self.categories:
            raise ValueError(f"{self.kind}: name the categories of personal data")

    @property
    def legal_basis_label(self) -> str:
        return str(LEGAL_BASIS_LABELS[LegalBasis(self.legal_basis)])

    @property
    def special_category_label(self) -> str | None:
        if self.special_category is None:
            return None
        return str(SPECIAL_CATEGORY_LABELS[SpecialCategoryCondition(self.special_category)])


@dataclass(frozen=True)
class Processing:
    """A declaration as it applies to one municipality: who declared it and the retention in force."""

    source: str
    source_title: str
    declaration: PersonalDataDeclaration
    retention_days: int | None
    #: False: the module is switched off there (its data is kept until its retention ends)
    enabled: bool = True


# --- the core's own declarations -------------------------------------------------------------------


def core_declarations() -> list[PersonalDataDeclaration]:
    """What the core itself holds: the account (the operator's), memberships and affiliations
    (each municipality's), and the accessibility feedback sent to a municipality."""
    return [
        PersonalDataDeclaration(
            kind="core.accounts",
            title=_l("Your account on the platform"),
            categories=(
                _l("e-mail address"),
                _l("display name"),
                _l("password (stored only as an argon2id hash)"),
                _l("preferred language"),
                _l("two-step verification secret, if you switch it on"),
                _l("sign-in sessions (browser, address, time)"),
            ),
            data_subjects=(_l("people who create an account"),),
            purpose=_l(
                "To let you sign in once and take part in every municipality that uses the platform, "
                "and to keep your account secure."
            ),
            legal_basis=LegalBasis.CONTRACT,
            retention_note=_l(
                "Until you delete your account; the record of a session is deleted 30 days after you sign "
                "out, or after 400 days without use."
            ),
            controller="operator",
        ),
        PersonalDataDeclaration(
            kind="core.memberships",
            title=_l("Membership and roles in the municipality"),
            categories=(_l("account identifier"), _l("role"), _l("date joined")),
            data_subjects=(_l("members and staff of the municipality"),),
            purpose=_l("To know who may do what on the municipality's participation pages."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_note=_l(
                "While the person is a member; removed when they leave or delete their account."
            ),
        ),
        PersonalDataDeclaration(
            kind="core.affiliations",
            title=_l("Organisations acting in the municipality"),
            categories=(
                _l("name of the organisation"),
                _l("name of the person who asked for the affiliation"),
                _l("message sent with the request"),
            ),
            data_subjects=(_l("representatives of NGOs and other organisations"),),
            purpose=_l("To decide which organisations may comment and act on their members' behalf."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_note=_l("While the organisation is affiliated with the municipality."),
        ),
        PersonalDataDeclaration(
            kind="core.accessibility_feedback",
            title=_l("Accessibility feedback"),
            categories=(
                _l("name (optional)"),
                _l("e-mail address"),
                _l("the message and the page it is about"),
                _l("the answer given"),
            ),
            data_subjects=(_l("people who report an accessibility problem"),),
            purpose=_l(
                "To answer reports about content that is not accessible and to fix it, as the law "
                "on the accessibility of public sector websites requires."
            ),
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention_days=730,
            retention_setting="core.accessibility_feedback",
            retention_note=_l("Counted from the answer; a report not answered yet is kept."),
        ),
        PersonalDataDeclaration(
            kind="core.data_requests",
            title=_l("Requests for personal data or its erasure"),
            categories=(
                _l("a keyed fingerprint of the e-mail address (not the address itself)"),
                _l("what was asked, and when"),
            ),
            data_subjects=(_l("people without an account who ask for their data or its erasure"),),
            purpose=_l("To show that the requests of data subjects were answered (Art. 5(2) and 12 GDPR)."),
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention_days=1095,
            retention_setting="core.data_requests",
            retention_note=_l("The address itself is kept only until the mailed link is used or expires."),
        ),
    ]


# --- gathering them -----------------------------------------------------------------------------


def _plugin_rows(tenant_id: int) -> dict[str, tuple[bool, dict[str, Any]]]:
    """The municipality's plugin rows: name -> (enabled, settings); a switched-off plugin still
    holds data."""
    from core.db import tenant_context
    from core.tenancy import TenantPlugin

    with tenant_context(tenant_id):  # its own rows, under its RLS setting (jobs and CLI too)
        rows = db.session.execute(
            sa.select(TenantPlugin.plugin, TenantPlugin.enabled, TenantPlugin.settings)
        ).all()
    return {r.plugin: (bool(r.enabled), dict(r.settings or {})) for r in rows}


def effective_retention(
    declaration: PersonalDataDeclaration, settings: dict[str, Any] | None, tenant_id: int | None = None
) -> int | None:
    """The days a municipality keeps the data.

    When ``retention_setting`` names a retention rule (``core.privacy.retention``), the period
    that rule enforces there (its default for the platform, ``tenant_id`` None). Otherwise the
    declaring plugin's own setting of that name in ``settings`` (a positive whole number; a key
    with a dot, ``"retention.things"``, is read as a path into them), else the declared default.
    """
    from flask import has_app_context

    from core.privacy import retention

    key = declaration.retention_setting
    if key and has_app_context() and key in retention.rules():
        if tenant_id is None:
            return retention.rules()[key][1].default_days
        return retention.retention_days(key, tenant_id)
    value: Any = None
    if key and settings:
        value = settings.get(key)
        if value is None and "." in key:
            node: Any = settings
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            value = node
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return declaration.retention_days


def declarations(
    tenant_id: int | None, *, controller: str | None = None
) -> tuple[list[Processing], list[str]]:
    """Every declaration that applies to a municipality (``tenant_id``) or, with None, to the
    platform itself, and the names of plugins whose hook failed (shown to staff, never hidden).

    For a municipality: the core's, the built-in plugins', and every installed plugin it has
    switched on at some time (a plugin switched off keeps its data, so its declarations stay,
    marked ``enabled=False``). For the platform: the core's and every installed plugin's.
    ``controller`` keeps only the declarations of that controller.
    """
    from core.plugins import registry

    reg = registry()
    rows = _plugin_rows(tenant_id) if tenant_id is not None else {}
    found: list[Processing] = []
    failed: list[str] = []
    for decl in core_declarations():
        found.append(Processing("core", "Sympraxis", decl, effective_retention(decl, {}, tenant_id)))
    for name in sorted(reg.plugins):
        plugin = reg.plugins[name]
        if tenant_id is not None and not plugin.builtin and name not in rows:
            continue
        enabled, settings = rows.get(name, (True, {}))
        try:
            results = reg.only("sympraxis_personal_data_declarations", {name})()
            items = [d for result in results for d in (result or [])]
            for d in items:
                if not isinstance(d, PersonalDataDeclaration):
                    raise TypeError(f"{type(d).__name__} is not a PersonalDataDeclaration")
        except Exception as exc:  # a broken plugin must not take the notice down; staff see it
            reg.record_error(name, "sympraxis_personal_data_declarations", exc)
            failed.append(name)
            continue
        for d in items:
            found.append(
                Processing(
                    name,
                    plugin.title,
                    d,
                    effective_retention(d, settings, tenant_id),
                    enabled=enabled or plugin.builtin,
                )
            )
    if controller is not None:
        found = [p for p in found if p.declaration.controller == controller]
    return found, failed
