"""The plugin's logic: the views and the API call these and stay thin."""

import sqlalchemy as sa

from core.toolkit import current_account, db, plugin_settings
from plugins.volunteers.models import Item


def latest_items() -> list[Item]:
    """The current municipality's items, newest first (the tenant filter is automatic), as many
    as the municipality's settings allow."""
    limit = plugin_settings("volunteers")["items_per_page"]
    query = sa.select(Item).order_by(Item.created_at.desc(), Item.id.desc()).limit(limit)
    return list(db.session.execute(query).scalars())


def add_item(title: str, body: str = "") -> Item:
    """Add an item for the current municipality, recorded as the signed-in account's."""
    account = current_account()
    item = Item(title=title, body=body, created_by_id=account.id if account else None)
    db.session.add(item)
    db.session.commit()
    return item
