"""The docs examples plugin (tests/testplugin/sympraxis_testplugin/examples.py) does what the hook
reference shows it doing: each example there is code that runs here."""

from __future__ import annotations

import uuid

import pytest
from sympraxis_testplugin import examples

from tests.core.notes import add_note


@pytest.fixture(scope="module")
def docs_app(sympraxis_config, tmp_path_factory):
    """An application with the docs examples plugin loaded beside the test plugin."""
    from core.testing.pytest_plugin import build_app

    return build_app(
        {**sympraxis_config, "SYMPRAXIS_EXTRA_PLUGINS": {"docsexamples": "sympraxis_testplugin.examples"}},
        str(tmp_path_factory.mktemp("docs-examples")),
    )


@pytest.fixture
def town(docs_app, tenant_factory, enable_plugin):
    tenant = tenant_factory(plugins=["testplugin"])
    enable_plugin(tenant, "docsexamples", target_app=docs_app)
    return tenant


def _client(app, tenant):
    from core.testing.pytest_plugin import HostClient

    app.test_client_class = HostClient
    client = app.test_client()
    client.host = tenant.primary_host
    return client


def test_search_example_finds_the_municipality_notes(docs_app, town, tenant_factory):
    title = f"Bicycle lanes {uuid.uuid4().hex[:6]}"
    add_note(docs_app, town, title)
    other = tenant_factory(plugins=["testplugin"])
    page = _client(docs_app, town).get("/search?q=BICYCLES")  # case and ending do not matter
    assert page.status_code == 200
    assert title in page.get_data(as_text=True)
    assert title not in _client(docs_app, other).get("/search?q=bicycle").get_data(as_text=True)


def test_activity_example_lists_latest_first(docs_app, town):
    from core.db import tenant_context
    from core.plugins import registry

    first, second = add_note(docs_app, town, "first"), add_note(docs_app, town, "second")
    with docs_app.test_request_context(base_url=f"http://{town.primary_host}"), tenant_context(town.id):
        items = registry(docs_app).only("sympraxis_activity_items", {"docsexamples"})(tenant=town, limit=5)[0]
    assert [i["title"] for i in items][:2] == ["second", "first"]
    assert items[0]["url"].endswith(second) and items[1]["url"].endswith(first)


def test_apex_dashboard_example_counts_only_where_the_account_is_a_member(
    docs_app, town, tenant_factory, account_factory, sign_in
):
    add_note(docs_app, town, "mine")
    add_note(docs_app, tenant_factory(plugins=["testplugin"]), "elsewhere")
    person = account_factory(memberships={town: "member"})
    from core.testing.pytest_plugin import HostClient

    docs_app.test_client_class = HostClient
    client = docs_app.test_client()
    client.host = "localhost"
    sign_in(client, person)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Notes where you take part" in page
    assert "<p>1 notes</p>" in page


def test_plugins_changed_and_audit_examples_are_called(docs_app, town):
    from core.plugin_state import announce_plugins_changed
    from core.plugins import audit

    examples.EVENTS.clear()
    with docs_app.app_context():
        announce_plugins_changed(town.id)
        audit("affiliation.approved", town.id, {"organisation": 1}, None)
    assert ("plugins_changed", town.id) in examples.EVENTS
    assert ("audit", "affiliation.approved", town.id, None) in examples.EVENTS


def test_demo_data_example_seeds_once_in_the_municipality_language(docs_app, tenant_factory, enable_plugin):
    import sqlalchemy as sa
    from sympraxis_testplugin.models import Note

    from core.db import tenant_context
    from core.extensions import db
    from core.plugins import registry

    tenant = tenant_factory(plugins=["testplugin"], locale="bg")
    enable_plugin(tenant, "docsexamples", target_app=docs_app)
    with docs_app.app_context(), tenant_context(tenant.id):
        for _ in range(2):  # `make demo` seeds again on every run
            registry(docs_app).only("sympraxis_demo_data", {"docsexamples"})(tenant=tenant)
            db.session.flush()
        titles = db.session.execute(sa.select(Note.title)).scalars().all()
        db.session.rollback()
    assert titles == ["Добре дошли"]


def test_periodic_job_example_fans_out_per_municipality(docs_app, town):
    import sqlalchemy as sa
    from sympraxis_testplugin.models import Note

    from core.db import tenant_context
    from core.extensions import db
    from core.jobs import periodic_schedule, run_job

    assert any(entry["args"][0] == "docsexamples.tidy_all" for entry in periodic_schedule(docs_app).values())
    note_id = add_note(docs_app, town, "  padded title  ")
    with docs_app.app_context():
        run_job("docsexamples.tidy_all", None, {})
        with tenant_context(town.id):
            title = db.session.execute(
                sa.select(Note.title).where(Note.id == uuid.UUID(note_id))
            ).scalar_one()
    assert title == "padded title"


def test_cli_example_counts_each_municipality(docs_app, town):
    add_note(docs_app, town, "counted")
    result = docs_app.test_cli_runner().invoke(args=["docsexamples", "count"])
    assert result.exit_code == 0, result.output
    assert f"{town.id}: 1" in result.output


def test_app_ready_example_adds_its_filter(docs_app):
    with docs_app.app_context():
        rendered = docs_app.jinja_env.from_string("{{ '<b>note</b>'|note_badge }}").render()
    assert rendered == "&LT;B&GT;NOTE&LT;/B&GT;"


def test_a_plugin_that_requires_another_is_refused_until_it_is_on(docs_app, tenant_factory):
    """The manifest's ``requires``: switching on a plugin whose requirement is off is refused with
    a message naming it, and the requirement cannot be switched off while the other needs it."""
    from core.extensions import db
    from core.plugin_state import PluginStateError, disable_plugin, enable_plugin

    bare = tenant_factory()
    with docs_app.app_context():
        with pytest.raises(PluginStateError, match="Test plugin|testplugin") as refused:
            enable_plugin(bare.id, "docsexamples")
        assert refused.value.messages == {"requires": ["testplugin"]}
        db.session.rollback()
        enable_plugin(bare.id, "testplugin")
        enable_plugin(bare.id, "docsexamples")
        with pytest.raises(PluginStateError) as needed:
            disable_plugin(bare.id, "testplugin")
        assert needed.value.messages == {"required_by": ["docsexamples"]}
        disable_plugin(bare.id, "docsexamples")
        disable_plugin(bare.id, "testplugin")  # nothing needs it now
        db.session.rollback()


def test_guest_data_examples_find_and_erase_a_guests_notes(docs_app, town):
    import sqlalchemy as sa
    from sympraxis_testplugin.models import Note

    from core.db import tenant_context
    from core.extensions import db
    from core.plugins import registry
    from core.privacy.guests import held_for

    add_note(docs_app, town, "paper form")
    body = "From: guest@example.org\nPlease add a bench."
    with docs_app.app_context(), tenant_context(town.id):
        note = db.session.execute(sa.select(Note).where(Note.title == "paper form")).scalar_one()
        note.body = body
        db.session.commit()
    with docs_app.test_request_context(base_url=f"http://{town.primary_host}"):
        held = held_for("guest@example.org", town)
        assert held["docsexamples"] == {"notes": [{"title": "paper form", "body": body}]}
        assert "docsexamples" not in held_for("someone-else@example.org", town)
        with tenant_context(town.id):
            registry(docs_app).only("sympraxis_erase_guest_data", {"docsexamples"})(
                email="guest@example.org", tenant=town
            )
            db.session.commit()
            erased = db.session.execute(sa.select(Note.body).where(Note.title == "paper form")).scalar_one()
    assert erased == "From: [erased]"


def test_account_data_examples_export_and_erase_what_the_plugin_heard(docs_app, town, account_factory):
    from core.accounts.models import Account
    from core.extensions import db
    from core.plugins import audit, registry

    person = account_factory()
    examples.EVENTS.clear()
    with docs_app.app_context():
        account = db.session.get(Account, person.id)
        audit("affiliation.approved", town.id, {}, account)
        reg = registry(docs_app)
        assert reg.only("sympraxis_export_account_data", {"docsexamples"})(account=account) == [
            {"actions_heard": ["affiliation.approved"]}
        ]
        reg.only("sympraxis_erase_account_data", {"docsexamples"})(account=account)
        assert (
            reg.only("sympraxis_export_account_data", {"docsexamples"})(account=account) == []
        )  # None: left out
        db.session.rollback()
