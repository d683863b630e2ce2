"""Email through the outbox: the message is written to email_outbox once per dedupe key, then a
job on the "email" queue delivers it and marks it sent. A lost job never loses the message (it
is in the table) and a duplicate job never sends it twice (status check)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from .deps import AppDeps
from .jobs import Job
from .models import EmailOutbox

EMAIL_QUEUE = "email"
logger = logging.getLogger("app.email")


async def enqueue_email(
    deps: AppDeps, *, dedupe_key: str, recipients: list[str], subject: str, body: str
) -> EmailOutbox:
    async with deps.session.begin() as s:
        await s.execute(
            insert(EmailOutbox)
            .values(
                message_id=f"msg_{uuid.uuid4().hex[:20]}",
                dedupe_key=dedupe_key,
                recipients=recipients,
                subject=subject,
                body=body,
            )
            .on_conflict_do_nothing(index_elements=[EmailOutbox.dedupe_key])
        )
        stored = (
            await s.execute(select(EmailOutbox).where(EmailOutbox.dedupe_key == dedupe_key))
        ).scalar_one()
    if stored.status != "sent":
        await deps.jobs.add(
            EMAIL_QUEUE, {"message_id": stored.message_id}, job_id=stored.message_id, attempts=5, backoff=0.5
        )
    return stored


def register_email_delivery(deps: AppDeps, concurrency: int = 4) -> None:
    async def deliver(job: Job) -> None:
        message_id = job.data["message_id"]
        async with deps.session.begin() as s:
            message = (
                await s.execute(select(EmailOutbox).where(EmailOutbox.message_id == message_id))
            ).scalar_one_or_none()
            if message is None or message.status == "sent":
                return
            # A transport that logs instead of talking SMTP (swap in a real one in production).
            logger.info("email %s sent to %s: %s", message.message_id, message.recipients, message.subject)
            await s.execute(
                update(EmailOutbox)
                .where(EmailOutbox.message_id == message_id)
                .values(
                    status="sent", sent_at=datetime.now(UTC), attempts=message.attempts + 1, last_error=None
                )
            )

    deps.jobs.process(EMAIL_QUEUE, concurrency, deliver)
