"""The pages: the role matrix, bad input kept in the form with a 4xx, the directory's filters,
the JSON-LD on the entry page (parsed as ESSGlobal linked data), and the exports."""

import json
import re

import pytest
import rdflib

from core.testing.pytest_plugin import MailSink
from core.toolkit import db, tenant_context
from plugins.registry import services
from tests.plugins.registry.conftest import ENTRY, LAST_YEAR, Who, make_entry, make_organisation

ESS = rdflib.Namespace("http://purl.org/essglobal/vocab/")
GR = rdflib.Namespace("http://purl.org/goodrelations/v1#")


@pytest.fixture
def crew(app, town, account_factory, tenant_client, sign_in):
    staff = account_factory(memberships={town: "staff"})
    admin = account_factory(memberships={town: "member"})
    member = account_factory(memberships={town: "member"})
    org_id = make_organisation(app, town, admin)
    clients = {}
    for name, account in (("staff", staff), ("admin", admin), ("member", member)):
        client = tenant_client(town)
        sign_in(client, account)
        clients[name] = client
    clients["visitor"] = tenant_client(town)
    return {"staff": staff, "admin": admin, "member": member, "org_id": org_id, "clients": clients}


def _pending(app, town, crew):
    with app.app_context(), tenant_context(town.id):
        version = services.submit(None, ENTRY, account=Who(crew["admin"]), organisation_id=crew["org_id"])
        db.session.commit()
        ids = version.id, version.entry_id
        db.session.remove()
    return ids


def test_role_matrix(app, town, crew):
    version_id, entry_id = _pending(app, town, crew)
    c = crew["clients"]
    expected = {
        "/registry/": {"visitor": 200, "member": 200, "admin": 200, "staff": 200},
        "/registry/entries/new": {"visitor": 401, "member": 403, "admin": 200, "staff": 200},
        f"/registry/entries/{entry_id}": {"visitor": 404, "member": 404, "admin": 200, "staff": 200},
        f"/registry/entries/{entry_id}/edit": {"visitor": 401, "member": 403, "admin": 200, "staff": 403},
        f"/registry/entries/{entry_id}/figures/{LAST_YEAR}": {
            "visitor": 401,
            "member": 403,
            "admin": 200,
            "staff": 200,
        },
        "/registry/review": {"visitor": 401, "member": 403, "admin": 403, "staff": 200},
        f"/registry/versions/{version_id}/review": {
            "visitor": 401,
            "member": 403,
            "admin": 403,
            "staff": 200,
        },
        "/registry/campaign": {"visitor": 401, "member": 403, "admin": 403, "staff": 200},
        "/registry/consent": {"visitor": 401, "member": 403, "admin": 403, "staff": 200},
        "/registry/mine": {"visitor": 401, "member": 200, "admin": 200, "staff": 200},
    }
    seen = {path: {who: c[who].get(path).status_code for who in row} for path, row in expected.items()}
    assert seen == expected


def test_submit_verify_and_see_it_through_the_pages(app, town, crew, mail_outbox):
    c = crew["clients"]
    form = {
        "organisation_id": str(crew["org_id"]),
        "kind": "social_enterprise",
        "name": "Κοινσεπ Έβρος",
        "legal_form": "gr_koinsep",
        "sectors": ["56"],
        "population_groups": ["roma"],
        "area": "Κέντρο",
        "latitude": "41.5",  # without a longitude: refused, the form kept
    }
    page = c["admin"].post("/registry/entries/new", data=form)
    text = page.get_data(as_text=True)
    assert page.status_code == 409, re.findall(r'class="error"[^>]*>([^<]*)', text)
    assert "Κοινσεπ Έβρος" in text and "aria-invalid" in text
    form["longitude"] = "26.5"
    assert c["admin"].post("/registry/entries/new", data=form).status_code == 302
    assert "Κοινσεπ Έβρος" not in c["visitor"].get("/registry/").get_data(as_text=True)
    queue = c["staff"].get("/registry/review").get_data(as_text=True)
    version_id = re.search(r"/registry/versions/([0-9a-f-]{36})/review", queue).group(1)
    refused = c["staff"].post(f"/registry/versions/{version_id}/review", data={"verify": "1", "document": ""})
    assert refused.status_code == 409
    done = c["staff"].post(
        f"/registry/versions/{version_id}/review", data={"verify": "1", "document": "ΓΕΜΗ 2026"}
    )
    assert done.status_code == 302
    listing = c["visitor"].get("/registry/?group=roma&sector=56").get_data(as_text=True)
    assert "Κοινσεπ Έβρος" in listing
    assert "Κοινσεπ Έβρος" not in c["visitor"].get("/registry/?group=homeless").get_data(as_text=True)
    assert "Κοινσεπ Έβρος" in c["visitor"].get("/registry/?q=%CE%AD%CE%B2%CF%81%CE%BF%CF%82").get_data(
        as_text=True
    )
    mail_outbox.wait_for(lambda m: m["To"] == crew["admin"].email)


def test_a_bad_filter_answers_422_and_keeps_the_list(town, crew, app):
    make_entry(app, town, crew["staff"], name="Κοινωνικό Παντοπωλείο")
    page = crew["clients"]["visitor"].get("/registry/?kind=bogus")
    assert page.status_code == 422
    assert "Κοινωνικό Παντοπωλείο" in page.get_data(as_text=True)


def test_figures_form_keeps_what_was_typed(app, town, crew):
    entry_id = make_entry(app, town, crew["staff"])
    page = crew["clients"]["staff"].post(
        f"/registry/entries/{entry_id}/figures/{LAST_YEAR}",
        data={
            "staff_paid": "1",
            "staff_volunteers": "0",
            "staff_vulnerable": "0",
            "staff_women": "3",
            "staff_men": "0",
            "people_served": "77",
        },
    )
    assert page.status_code == 409
    assert 'value="77"' in page.get_data(as_text=True)


def test_the_entry_page_carries_essglobal_json_ld(app, town, crew):
    entry_id = make_entry(
        app,
        town,
        crew["staff"],
        latitude=41.5,
        longitude=26.53,
        website="https://koinsep.example",
        figures={LAST_YEAR: {"staff_paid": 4, "staff_volunteers": 2, "staff_women": 5}},
    )
    page = crew["clients"]["visitor"].get(f"/registry/entries/{entry_id}").get_data(as_text=True)
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    document = json.loads(found)
    graph = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    node = rdflib.URIRef(document["@id"])
    assert (node, rdflib.RDF.type, ESS.SSEInitiative) in graph
    assert str(graph.value(node, GR.name)) == ENTRY["name"]
    assert int(graph.value(node, ESS.totalWomen)) == 5 and int(graph.value(node, ESS.totalOfMembers)) == 6
    address = graph.value(node, ESS.hasAddress)
    assert float(graph.value(address, rdflib.URIRef("http://www.w3.org/2003/01/geo/wgs84_pos#lat"))) == 41.5
    # every term of the document expands to an IRI: nothing is dropped by the context
    used = {k for k in document if not k.startswith("@")} | {
        k for k in document["hasAddress"] if not k.startswith("@")
    }
    assert used <= set(services.ESSGLOBAL_CONTEXT)
    predicates = {str(p) for p in graph.predicates()}
    assert len([p for p in predicates if p != str(rdflib.RDF.type)]) == len(used)


def test_open_data_exports(app, town, crew):
    make_entry(app, town, crew["staff"], figures={LAST_YEAR: {"staff_paid": 4, "people_served": 30}})
    client = crew["clients"]["visitor"]
    csv_text = client.get("/registry/export.csv").get_data(as_text=True)
    header, row = csv_text.splitlines()[:2]
    assert header.split(",")[:3] == ["id", "kind", "name"]
    assert ENTRY["name"] in row and str(LAST_YEAR) in row and "56;88" in row
    assert ENTRY["contact_email"] not in csv_text  # no personal contact in open data
    data = client.get("/registry/export.json").get_json()
    assert data["entries"][0]["people_served"] == 30
    dump = client.get("/registry/entries.jsonld").get_json()
    graph = rdflib.Graph().parse(data=json.dumps(dump), format="json-ld")
    assert len(list(graph.subjects(rdflib.RDF.type, ESS.SSEInitiative))) == 1
    totals = client.get(f"/registry/totals?year={LAST_YEAR}").get_data(as_text=True)
    assert 'data-total-entries="1"' in totals


def test_the_directory_maps_located_entries(app, town, crew):
    make_entry(app, town, crew["staff"], name="Βόρεια", latitude=41.60, longitude=26.50)
    make_entry(app, town, crew["staff"], name="Νότια", latitude=41.40, longitude=26.50)
    make_entry(app, town, crew["staff"], name="Χωρίς σημείο")
    page = crew["clients"]["visitor"].get("/registry/").get_data(as_text=True)
    svg = page.split('class="registry-map"', 1)[1].split("</svg>", 1)[0]
    spots = dict(re.findall(r'<title>([^<]+)</title>\s*<circle cx="[^"]+" cy="([^"]+)"', svg))
    assert set(spots) == {"Βόρεια", "Νότια"}
    assert float(spots["Βόρεια"]) < float(spots["Νότια"])  # north is up


def test_staff_hand_an_entry_over_to_an_organisation(app, town, crew, mail_outbox):
    entry_id = make_entry(app, town, crew["staff"], name="Κοινωνικό Φαρμακείο")
    c = crew["clients"]
    assert c["admin"].get(f"/registry/entries/{entry_id}/edit").status_code == 403  # not theirs yet
    assert (
        c["member"]
        .post(f"/registry/entries/{entry_id}/hand-over", data={"organisation_id": str(crew["org_id"])})
        .status_code
        == 403
    )
    assert (
        c["staff"]
        .post(f"/registry/entries/{entry_id}/hand-over", data={"organisation_id": "999999"})
        .status_code
        == 422
    )
    done = c["staff"].post(
        f"/registry/entries/{entry_id}/hand-over", data={"organisation_id": str(crew["org_id"])}
    )
    assert done.status_code == 302
    invite = mail_outbox.wait_for(lambda m: m["To"] == crew["admin"].email)
    assert "Κοινωνικό Φαρμακείο" in MailSink.body(invite)
    assert c["admin"].get(f"/registry/entries/{entry_id}/edit").status_code == 200
    again = c["staff"].post(
        f"/registry/entries/{entry_id}/hand-over", data={"organisation_id": str(crew["org_id"])}
    )
    assert again.status_code == 409


def test_a_cooperation_pact_is_listed_on_the_entries_it_involves(app, town, crew):
    one = make_entry(app, town, crew["staff"], name="Σύλλογος Γονέων")
    two = make_entry(app, town, crew["staff"], name="Κοινσεπ Κήποι")
    three = make_entry(app, town, crew["staff"], name="Άσχετος φορέας")
    c = crew["clients"]
    form = {
        "title": "Σύμφωνο για τους σχολικούς κήπους",
        "entry_ids": [str(one), str(two)],
        "scope": "Φροντίδα των σχολικών κήπων",
        "starts_on": "2026-01-10",
        "ends_on": "2025-12-31",  # before the start: refused, kept
        "status": "active",
    }
    assert c["member"].post("/registry/pacts/new", data=form).status_code == 403
    refused = c["staff"].post("/registry/pacts/new", data=form)
    assert refused.status_code == 409 and "Σύμφωνο για τους σχολικούς κήπους" in refused.get_data(
        as_text=True
    )
    form["ends_on"] = "2027-12-31"
    assert c["staff"].post("/registry/pacts/new", data=form).status_code == 302
    for entry_id, shown in ((one, True), (two, True), (three, False)):
        page = c["visitor"].get(f"/registry/entries/{entry_id}").get_data(as_text=True)
        assert ("Σύμφωνο για τους σχολικούς κήπους" in page) is shown
    listing = c["visitor"].get("/registry/pacts").get_data(as_text=True)
    assert "Σύλλογος Γονέων" in listing and "Άσχετος φορέας" not in listing
