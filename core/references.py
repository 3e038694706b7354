"""References between plugins without imports: store ``(plugin, kind, id)``, resolve it when shown.

A plugin exposes linkable objects with the ``sympraxis_resolve_references`` hook (kind and ids
-> :class:`Linkable`). Another plugin stores a :class:`Reference` in a :class:`ReferenceType`
column and shows it with ``{{ reference_link(ref) }}``: a link with the target's current title
and status while the target plugin is on for the municipality, plain text when it is off, not
installed, or the object is gone. Neither plugin imports the other (DESIGN §2, §10).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup, escape


@dataclass(frozen=True)
class Reference:
    """A pointer at another plugin's object: ``Reference("hearings", "consultation", "0193…")``.

    Stored by :class:`ReferenceType` as ``plugin:kind:id``; ``Reference.parse`` reads it back.
    """

    plugin: str
    kind: str
    id: str

    def __post_init__(self) -> None:
        for part in (self.plugin, self.kind):
            if not part or ":" in part:
                raise ValueError(f"invalid reference part {part!r}")
        object.__setattr__(self, "id", str(self.id))

    def __str__(self) -> str:
        return f"{self.plugin}:{self.kind}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Reference:
        plugin, kind, ident = text.split(":", 2)
        return cls(plugin, kind, ident)


@dataclass(frozen=True)
class Linkable:
    """What a plugin says about one of its objects when another plugin links to it."""

    title: str
    url: str
    #: A short state shown beside the title ("open", "closed"), already translated; may be empty.
    status: str = ""


class ReferenceType(sa.types.TypeDecorator):
    """A column holding a :class:`Reference`
    (as ``VARCHAR(200)``, migrated as ``sa.String(200)``)::

        consultation_ref: Mapped[Reference | None] = mapped_column(ReferenceType())
    """

    impl = sa.String(200)
    cache_ok = True

    def process_bind_param(self, value: Reference | str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return str(value if isinstance(value, Reference) else Reference.parse(value))

    def process_result_value(self, value: str | None, dialect: Any) -> Reference | None:
        return None if value is None else Reference.parse(value)


def resolve_references(refs: Iterable[Reference | None], tenant: Any = None) -> dict[Reference, Linkable]:
    """Resolve many references at once (one hook call per plugin and kind) in the current
    municipality. A reference whose plugin is off or not installed, or that the plugin does not
    know (deleted, not its kind), is missing from the result."""
    from core.plugins import enabled_plugins, registry
    from core.tenancy import current_tenant

    tenant = tenant or current_tenant()
    if tenant is None:
        return {}
    reg = registry()
    enabled = enabled_plugins(tenant)
    wanted: dict[tuple[str, str], list[Reference]] = defaultdict(list)
    for ref in refs:
        if ref is not None and ref.plugin in enabled:
            wanted[ref.plugin, ref.kind].append(ref)
    found: dict[Reference, Linkable] = {}
    for (plugin, kind), group in wanted.items():
        try:
            for answer in reg.only("sympraxis_resolve_references", {plugin})(
                tenant=tenant, kind=kind, ids=[r.id for r in group]
            ):
                for ref in group:
                    linkable = (answer or {}).get(ref.id)
                    if isinstance(linkable, Linkable):
                        found[ref] = linkable
        except Exception as exc:  # a broken target degrades to plain text, never a 500
            reg.record_error(plugin, "sympraxis_resolve_references", exc)
    return found


def reference_link(
    ref: Reference | None, fallback: str | None = None, resolved: dict | None = None
) -> Markup:
    """HTML for a reference: ``<a href>title</a>`` (and its status) when it resolves, else the
    ``fallback`` text (e.g. a title the storing plugin kept) as plain text. A template global::

        {{ reference_link(opinion.consultation_ref, fallback=opinion.consultation_title) }}

    Pass ``resolved`` (from :func:`resolve_references`) when a page shows many.
    """
    from flask_babel import gettext as _

    if ref is None:
        return Markup("")
    linkable = (resolved if resolved is not None else resolve_references([ref])).get(ref)
    if linkable is None:
        text = fallback or _("A linked item that is not available here")
        return Markup('<span class="reference reference-unavailable">%s</span>') % escape(text)
    html = Markup('<a class="reference" href="%s">%s</a>') % (linkable.url, linkable.title)
    if linkable.status:
        html += Markup(' <span class="reference-status">(%s)</span>') % linkable.status
    return html
