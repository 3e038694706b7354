"""Issue 10 item 4: one safe-redirect helper (same host, path only) for every ``next`` and ``Referer``."""

from __future__ import annotations

import pytest

from core.redirects import safe_redirect_target

EVIL = [
    "//evil.example",
    "///evil.example",
    "http://evil.example/x",
    "https://evil.example",
    "HTTPS://EVIL.EXAMPLE/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "data:text/html,x",
    "evil.example",
    "http://orestiada.localhost@evil.example/",
    "http://evil.example\\@orestiada.localhost/",
    "http://orestiada.localhost//evil.example",
    "ftp://orestiada.localhost/x",
    "http://[::1",
]


@pytest.mark.parametrize("target", EVIL)
def test_helper_refuses_anything_but_a_path_on_this_host(app, target):
    """Issue 10 item 4: the helper lets nothing through that a browser would take to another site."""
    with app.test_request_context("/", base_url="http://orestiada.localhost"):
        assert safe_redirect_target(target, "/fallback") == "/fallback"


def test_helper_keeps_paths_and_reduces_same_host_urls_to_their_path(app):
    """Issue 10 item 4: the same host's pages stay reachable (a Referer is an absolute URL)."""
    with app.test_request_context("/", base_url="http://orestiada.localhost"):
        assert safe_redirect_target("/hearings/x?page=2#c") == "/hearings/x?page=2#c"
        assert safe_redirect_target("http://orestiada.localhost/hearings/x?page=2") == "/hearings/x?page=2"
        assert safe_redirect_target("http://Orestiada.LOCALHOST/a") == "/a"
        assert safe_redirect_target("http://haskovo.localhost/a", None) is None  # another of our hosts
        assert safe_redirect_target(None, "/d") == "/d"


def test_toolkit_exports_the_helper():
    """Issue 10 item 4: plugins reach the one helper through the toolkit, not a copy of their own."""
    from core import toolkit

    assert toolkit.safe_redirect_target is safe_redirect_target
    assert "safe_redirect_target" in toolkit.__all__ and "redirect_back" in toolkit.__all__
