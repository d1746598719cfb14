"""The outbox delivers each job once, retries failures with backoff and survives crashes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import msgspec

from backend.core import outbox
from backend.core.mail import MailDelivery
from backend.core.tables import OutboxJob


async def test_jobs_run_once_even_with_competing_workers(clean_db):
    seen: list[int] = []

    async def handler(payload):
        await asyncio.sleep(0.01)
        seen.append(payload["n"])

    for n in range(30):
        await outbox.enqueue("test", {"n": n})
    workers = [outbox.Worker({"test": handler}, concurrency=4) for _ in range(3)]

    async def drain(w):
        while await w.run_once():
            pass

    await asyncio.gather(*(drain(w) for w in workers))
    assert sorted(seen) == list(range(30))
    assert await OutboxJob.count().where(OutboxJob.status == "done") == 30


async def test_failure_is_retried_with_backoff_then_given_up(clean_db):
    async def failing(payload):
        raise ConnectionError("smtp down")

    job_id = await outbox.enqueue("test", {})
    worker = outbox.Worker({"test": failing})
    assert await worker.run_once() == 1
    job = await OutboxJob.select().where(OutboxJob.id == job_id).first()
    assert job["status"] == "pending" and job["attempts"] == 1 and "smtp down" in job["last_error"]
    assert job["run_after"] > outbox.now() + timedelta(seconds=3)
    assert await worker.run_once() == 0  # not before its time
    await OutboxJob.update({OutboxJob.run_after: outbox.now(), OutboxJob.attempts: outbox.MAX_ATTEMPTS - 1},
                           force=True)
    await worker.run_once()
    job = await OutboxJob.select().where(OutboxJob.id == job_id).first()
    assert job["status"] == "failed"
    assert outbox.backoff(1) == 5 and outbox.backoff(3) == 20 and outbox.backoff(30) == 3600


async def test_a_crashed_workers_job_is_taken_again_after_its_lease(clean_db):
    await outbox.enqueue("test", {"n": 1})
    [job] = await outbox.claim(["test"])  # this worker then "dies"
    assert await outbox.claim(["test"]) == []
    await OutboxJob.update({OutboxJob.locked_until: outbox.now() - timedelta(seconds=1)}, force=True)
    [again] = await outbox.claim(["test"])
    assert again["id"] == job["id"] and again["attempts"] == 2


async def test_retry_later_does_not_count_as_an_attempt(clean_db):
    async def busy(payload):
        raise outbox.RetryLater(120, "429")

    job_id = await outbox.enqueue("test", {})
    await outbox.Worker({"test": busy}).run_once()
    job = await OutboxJob.select().where(OutboxJob.id == job_id).first()
    assert job["status"] == "pending" and job["attempts"] == 0
    assert job["run_after"] > outbox.now() + timedelta(seconds=100)


async def test_mail_over_real_smtp(clean_db, settings, smtp_server):
    await MailDelivery(settings)({"to": "smtp-check@example.com", "subject": "Zażółć gęślą jaźń", "text": "Treść ąę"})
    [msg] = await smtp_server.wait_for("smtp-check@example.com")
    assert msg["Subject"] == "Zażółć gęślą jaźń"
    assert msg.get_body().get_content().strip() == "Treść ąę"
    assert "wodociagi-demo.pl" in msg["From"]


async def test_mail_without_smtp_is_written_as_eml(clean_db, settings, tmp_path, caplog):
    local = msgspec.structs.replace(settings, smtp_url="", data_dir=tmp_path)
    await MailDelivery(local)({"to": "anna@example.com", "subject": "S", "text": "link: http://x/?token=SECRET"})
    [eml] = list((tmp_path / "mail").glob("*.eml"))
    assert b"token=SECRET" in eml.read_bytes()
    assert "SECRET" not in caplog.text and "anna@example.com" not in caplog.text
