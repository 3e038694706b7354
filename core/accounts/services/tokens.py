"""Personal access tokens for the API: creating, listing, revoking, looking one up."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from core.accounts import security
from core.accounts.models import (
    Account,
    PersonalAccessToken,
)
from core.accounts.services.common import AccountError
from core.accounts.services.memberships import account_tenants
from core.extensions import db
from core.tenancy import (
    apex_host,
    utcnow,
)

TOKEN_PREFIX = "spx_"


def create_access_token(
    account: Account, name: str, scope_tenant_id: int | None
) -> tuple[PersonalAccessToken, str]:
    """A new token; the secret is returned once and stored only as a hash."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AccountError(_("Give the token a name (at most 100 characters)."))
    secret = security.new_token(TOKEN_PREFIX)
    token = PersonalAccessToken(
        account_id=account.id,
        name=name,
        token_hash=security.hash_token(secret),
        prefix=secret[:10],
        scope_tenant_id=scope_tenant_id,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def list_access_tokens(account: Account) -> list[PersonalAccessToken]:
    """The account's live tokens, newest first."""
    return list(
        db.session.execute(
            sa.select(PersonalAccessToken)
            .where(PersonalAccessToken.account_id == account.id, PersonalAccessToken.revoked_at.is_(None))
            .order_by(PersonalAccessToken.created_at.desc(), PersonalAccessToken.id.desc())
        ).scalars()
    )


def token_scopes(account: Account) -> list[tuple[str, str]]:
    """Where a new token of the account may be valid: the apex, or one of its municipalities."""
    choices = [("apex", _("The platform (%(host)s)", host=apex_host()))]
    for entry in account_tenants(account):
        choices.append((str(entry["tenant"].id), entry["tenant"].name))
    return choices


def revoke_access_token(account: Account, token_id: int) -> bool:
    token = db.session.get(PersonalAccessToken, token_id)
    if token is None or token.account_id != account.id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True


def account_for_access_token(secret: str, tenant_id: int | None) -> Account | None:
    """The account behind a bearer token, if the token is live and scoped to this host."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.execute(
        sa.select(PersonalAccessToken).where(PersonalAccessToken.token_hash == security.hash_token(secret))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or token.scope_tenant_id != tenant_id:
        return None
    account = db.session.get(Account, token.account_id)
    if account is None or account.erased_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        # written at most every 5 minutes; in a request, after it (a GET never commits the
        # request's session, and a write must not be committed half-way by us)
        from flask import g, has_request_context

        if has_request_context():
            g.setdefault("_token_uses", set()).add(token.id)
        else:
            token.last_used_at = now
    return account


def record_token_uses(token_ids: set[int] | list[int]) -> None:
    """Stamp ``last_used_at`` on tokens, in a transaction of its own (called after a request)."""
    if not token_ids:
        return
    db.session.execute(
        sa.update(PersonalAccessToken)
        .where(PersonalAccessToken.id.in_(list(token_ids)))
        .values(last_used_at=utcnow())
    )
    db.session.commit()
