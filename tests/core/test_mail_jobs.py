"""Mail through real SMTP and the demo outbox; jobs that run inside their tenant (DESIGN §3, §8)."""

from __future__ import annotations

import os
import uuid

import pytest

from core.db import active_tenant_id
from core.extensions import db
from core.jobs import enqueue, job, run_job
from core.mail import Attachment, Mail, send_mail

seen_jobs: list[tuple[int | None, dict]] = []


job_apps: list = []


@job("tests.record_tenant")
def _record_tenant(payload: dict) -> None:
    from flask import current_app

    seen_jobs.append((active_tenant_id(), payload))
    job_apps.append(current_app._get_current_object())


@job("tests.fail")
def _fail(payload: dict) -> None:
    raise RuntimeError("job failed on purpose")


def test_mail_goes_through_smtp(app_ctx, mail_outbox):
    to = f"smtp-{uuid.uuid4().hex[:8]}@example.org"
    send_mail(
        Mail(
            to=[to],
            subject="Ημερήσια διάταξη",  # non-ASCII subjects survive the trip
            text="Καλημέρα,\nthe agenda is attached.",
            html="<p>Καλημέρα</p>",
            attachments=[Attachment("agenda.txt", b"1. Opening\n2. Budget\n", "text/plain")],
            reply_to="council@example.org",
        )
    )
    db.session.commit()  # mail leaves after commit
    msg = mail_outbox.wait_for(lambda m: to in m["To"])
    assert msg["Subject"] == "Ημερήσια διάταξη"
    assert msg["From"] == app_ctx.config["MAIL_DEFAULT_SENDER"]
    assert msg["Reply-To"] == "council@example.org"
    assert msg["Message-ID"] and msg["Date"]
    assert "Καλημέρα" in mail_outbox.body(msg)
    html = msg.get_body(preferencelist=("html",))
    assert html is not None and "<p>Καλημέρα</p>" in html.get_content()
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["agenda.txt"]
    assert attachments[0].get_content() == "1. Opening\n2. Budget\n"


def test_outbox_backend_writes_eml_files_readable_only_in_demo_mode(make_app, tmp_path):
    from core.testing.pytest_plugin import HostClient

    outbox = tmp_path / "outbox"
    demo = make_app(MAIL_BACKEND="outbox", MAIL_OUTBOX_DIR=str(outbox), DEMO_MODE=True)
    demo.test_client_class = HostClient
    subject = f"Outbox check {uuid.uuid4().hex[:6]}"
    with demo.app_context():
        send_mail(Mail(to=["citizen@example.org"], subject=subject, text="Hello from the outbox"))
        db.session.commit()
    files = [f for f in os.listdir(outbox) if f.endswith(".eml")]
    assert len(files) == 1
    assert subject.encode() in (outbox / files[0]).read_bytes()

    client = demo.test_client()
    page = client.get("/dev/outbox")
    assert page.status_code == 200
    assert subject.encode() in page.data and b"Hello from the outbox" in page.data
    raw = client.get(f"/dev/outbox/{files[0]}")
    assert raw.status_code == 200 and subject.encode() in raw.data
    assert client.get("/dev/outbox/..%2F..%2Fetc%2Fpasswd").status_code == 404

    # the same outbox without demo mode: not there at all
    plain = make_app(MAIL_BACKEND="outbox", MAIL_OUTBOX_DIR=str(outbox), DEMO_MODE=False)
    plain.test_client_class = HostClient
    client = plain.test_client()
    assert client.get("/dev/outbox").status_code == 404
    assert client.get(f"/dev/outbox/{files[0]}").status_code == 404


def test_outbox_is_not_served_by_the_test_app(apex_client):
    assert apex_client.get("/dev/outbox").status_code == 404


def test_inline_job_runs_inside_its_tenant(app, tenant_factory):
    tenant = tenant_factory()
    seen_jobs.clear()
    with app.app_context():
        assert active_tenant_id() is None
        enqueue("tests.record_tenant", tenant_id=tenant.id, payload={"n": 1})
        enqueue("tests.record_tenant", tenant_id=None, payload={"n": 2})
        assert seen_jobs == []  # nothing runs before the commit
        db.session.commit()
        assert active_tenant_id() is None  # and left it afterwards
        run_job("tests.record_tenant", tenant.id, {"n": 3})
    assert seen_jobs == [(tenant.id, {"n": 1}), (None, {"n": 2}), (tenant.id, {"n": 3})]


def test_unknown_and_failing_jobs(app):
    with app.app_context():
        with pytest.raises(KeyError):
            enqueue("tests.no_such_job", tenant_id=None, payload={})
        with pytest.raises(RuntimeError):
            run_job("tests.fail", None, {})


def test_jobs_go_to_celery_when_not_inline(make_app, monkeypatch, tenant_factory):
    """Outside the demo and tests, a job is a Celery task carrying its tenant_id."""
    from core import jobs

    sent: list[tuple] = []
    other = make_app(JOBS_INLINE=False)
    tenant = tenant_factory()
    with other.app_context():
        celery = jobs.celery_app(other)
        monkeypatch.setattr(
            celery, "send_task", lambda name, args, countdown, **kw: sent.append((name, args, countdown))
        )
        seen_jobs.clear()
        enqueue("tests.record_tenant", tenant_id=tenant.id, payload={"n": 4}, countdown=5)
        assert sent == []  # not before the commit
        db.session.commit()
    assert sent == [("sympraxis.run_job", ["tests.record_tenant", tenant.id, {"n": 4}], 5)]
    assert seen_jobs == []  # not run here


def test_celery_worker_task_runs_the_job_inside_its_tenant(make_app, tenant_factory):
    from core import jobs

    other = make_app(JOBS_INLINE=False)
    tenant = tenant_factory()
    celery = jobs.celery_app(other)
    seen_jobs.clear()
    job_apps.clear()
    result = celery.tasks["sympraxis.run_job"].apply(args=["tests.record_tenant", tenant.id, {"n": 5}])
    assert result.successful(), result.traceback
    assert job_apps == [other]  # the worker runs in the application the Celery app belongs to
    assert seen_jobs == [(tenant.id, {"n": 5})]


def test_a_line_break_in_user_text_cannot_break_the_subject(app_ctx, mail_outbox):
    to = f"hdr-{uuid.uuid4().hex[:8]}@example.org"
    send_mail(Mail(to=[to], subject="Friends of\r\nBcc: victim@example.org the park", text="x"))
    db.session.commit()
    msg = mail_outbox.wait_for(lambda m: to in m["To"])
    assert msg["Subject"] == "Friends of Bcc: victim@example.org the park"
    assert msg["Bcc"] is None
