"""Plans and paid plugins, with their prices (the source of the Stripe catalogue).

Prices are in cents per month. A plugin's price is the one its manifest declares
(``PluginManifest.price``), read from the plugins this platform has loaded, first-party or a
vendor's alike; ``BILLING_PLANS`` and ``BILLING_PLUGIN_PRICES`` in the instance configuration
override or extend them. A plugin without a price is free; a paid plugin whose manifest's
``plan_feature`` is among the municipality's plan features (``BILLING_PLAN_FEATURES``) is included
in the plan and charged nothing extra.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

CURRENCY = "eur"


@dataclass(frozen=True)
class Plan:
    key: str
    label: str
    amount: int  # cents per month


DEFAULT_PLANS = {
    "starter": (_l("Starter (up to 20,000 inhabitants)"), 9900),
    "standard": (_l("Standard (up to 100,000 inhabitants)"), 24900),
    "metropolitan": (_l("Metropolitan"), 59900),
}


def plans() -> dict[str, Plan]:
    configured = current_app.config.get("BILLING_PLANS") or {}
    merged = {k: Plan(k, str(label), amount) for k, (label, amount) in DEFAULT_PLANS.items()}
    for key, amount in configured.items():
        merged[key] = Plan(key, key.capitalize(), int(amount))
    return merged


def manifest_prices() -> dict[str, int]:
    """The prices the loaded plugins declare in their manifests (free ones left out)."""
    from core.plugins import registry

    return {
        name: int(p.manifest.price)
        for name, p in registry().plugins.items()
        if not p.builtin and p.manifest.price
    }


def plugin_prices() -> dict[str, int]:
    return {**manifest_prices(), **(current_app.config.get("BILLING_PLUGIN_PRICES") or {})}


def plugin_title(name: str) -> str:
    """The product name of a plugin: its manifest's title, or its name if it is not loaded."""
    from core.plugins import registry

    loaded = registry().plugins.get(name)
    return loaded.title if loaded else name


def plugin_price(name: str) -> int:
    return int(plugin_prices().get(name, 0))


def plan_features(plan: str) -> frozenset[str]:
    """The features a plan includes (``BILLING_PLAN_FEATURES``: plan key → feature names)."""
    configured = current_app.config.get("BILLING_PLAN_FEATURES") or {}
    return frozenset(configured.get(plan, ()))


def included_in_plan(name: str, plan: str) -> bool:
    """Whether a plugin costs nothing extra on ``plan``: its manifest's ``plan_feature`` is one of
    the plan's features. Otherwise a paid plugin is an add-on at its price."""
    from core.plugins import registry

    loaded = registry().plugins.get(name)
    feature = loaded.manifest.plan_feature if loaded else None
    return bool(feature) and feature in plan_features(plan)


def charged_price(name: str, plan: str) -> int:
    """What a municipality on ``plan`` pays per month for the plugin, in cents (0: free or included)."""
    return 0 if included_in_plan(name, plan) else plugin_price(name)


def plan_key(plan: str) -> str:
    return f"plan:{plan}"


def plugin_key(name: str) -> str:
    return f"plugin:{name}"


def format_amount(cents: int) -> str:
    return f"€{cents // 100},{cents % 100:02d}"


def item_label(key: str) -> str:
    """What a subscription item is, in the reader's language (``plan:standard``, ``plugin:hearings``)."""
    kind, _, name = key.partition(":")
    if kind == "plan":
        plan = plans().get(name)
        return plan.label if plan else name
    if kind == "plugin":
        return plugin_title(name)
    return key


#: Stripe's invoice statuses, as a municipality's finance office reads them
INVOICE_STATUSES = {
    "draft": _l("draft"),
    "open": _l("awaiting payment"),
    "paid": _l("paid"),
    "uncollectible": _l("uncollectible"),
    "void": _l("cancelled"),
}


def invoice_status_label(status: str | None) -> str:
    return str(INVOICE_STATUSES.get(status or "", status or ""))


def plan_label(key: str | None) -> str:
    """A plan's name in the reader's language (its key if the catalogue does not know it)."""
    plan = plans().get(key or "")
    return plan.label if plan else (key or "")
