"""Issue 16 §3: a directory of municipalities on the apex for citizens: active ones only, each
linked to its site, searched by name without minding case or accents, filtered by country."""

from __future__ import annotations

import re
import uuid

from core.extensions import db


def _names(page: str) -> list[str]:
    return re.findall(r'<h2 class="h5 mb-1"><a href="[^"]+">([^<]+)</a>', page)


def test_the_directory_lists_active_municipalities_linked_to_their_sites(app, apex_client, tenant_factory):
    from core.tenancy import Tenant, invalidate_tenant_cache

    tag = uuid.uuid4().hex[:6]
    greek = tenant_factory(name=f"Δήμος Ορεστιάδας {tag}", country="GR", locale="el", locales=["el", "en"])
    tenant_factory(name=f"Община Хасково {tag}", country="BG", locale="bg", locales=["bg"])
    gone = tenant_factory(name=f"Δήμος Σουφλίου {tag}", country="GR")
    with app.app_context():
        db.session.get(Tenant, gone.id).status = "suspended"
        db.session.commit()
        invalidate_tenant_cache()

    page = apex_client.get("/municipalities", query_string={"q": tag}).get_data(as_text=True)
    assert sorted(_names(page)) == sorted([f"Δήμος Ορεστιάδας {tag}", f"Община Хасково {tag}"])
    assert f'href="http://{greek.primary_host}/"' in page  # its site
    assert "Ελληνικά" in page and "Български" in page
    # case and accents do not matter
    for query in (
        f"ορεστιαδας {tag}",
        f"ΟΡΕΣΤΙΆΔΑΣ {tag}",
        f"орестиадас {tag}"[:0] + f"oρεστιάδας {tag}"[1:],
    ):
        assert _names(
            apex_client.get("/municipalities", query_string={"q": query}).get_data(as_text=True)
        ) == [f"Δήμος Ορεστιάδας {tag}"], query
    only_bg = apex_client.get("/municipalities", query_string={"q": tag, "country": "bg"}).get_data(
        as_text=True
    )
    assert _names(only_bg) == [f"Община Хасково {tag}"]
    # an unknown country is no filter, a bad page a clear 400
    assert (
        len(
            _names(
                apex_client.get("/municipalities", query_string={"q": tag, "country": "ZZ"}).get_data(
                    as_text=True
                )
            )
        )
        == 2
    )
    assert apex_client.get("/municipalities", query_string={"page": "x"}).status_code == 400
    # the apex home links it; a municipality's host has no directory
    assert "/municipalities" in apex_client.get("/").get_data(as_text=True)


def test_the_directory_is_not_on_a_municipalitys_host(tenant_factory, tenant_client):
    assert tenant_client(tenant_factory()).get("/municipalities").status_code == 404


def test_the_directory_pages_by_thirty(app, apex_client, tenant_factory):
    tag = uuid.uuid4().hex[:6]
    for n in range(31):
        tenant_factory(name=f"Paged {tag} {n:02d}")
    first = apex_client.get("/municipalities", query_string={"q": f"paged {tag}"}).get_data(as_text=True)
    assert len(_names(first)) == 30 and 'rel="next"' in first and "31 municipalities" in first
    second = apex_client.get("/municipalities", query_string={"q": f"paged {tag}", "page": 2}).get_data(
        as_text=True
    )
    assert _names(second) == [f"Paged {tag} 30"] and 'rel="prev"' in second
