"""The demo's emails: where the outbox folder is, and the first few messages in it."""

from __future__ import annotations

import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import click
from sqlalchemy import select

from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.notifications.delivery import outbox_folder
from shopify_loyalty.services import Services

SHOWN = 6


def wait_for_jobs(services: Services, timeout: float = 30.0) -> None:
    """Until no job is due now (the send jobs queued by the webhooks have run)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with services.db.sessions() as session:
            due = session.scalar(
                select(Job.id)
                .where(
                    ((Job.status == "pending") & (Job.next_attempt_at <= utcnow()))
                    | (Job.status == "running")
                )
                .limit(1)
            )
        if due is None:
            return
        time.sleep(0.2)


def print_outbox(services: Services, shop_domain: str) -> None:
    folder = outbox_folder(services.settings.instance_path, shop_domain)
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    click.echo("")
    click.echo(f"{len(files)} emails in the outbox folder {folder}")
    for path in files[:SHOWN]:
        click.echo(f"  {path.name:<36}{_summary(path)}")
    if len(files) > SHOWN:
        click.echo(f"  ... and {len(files) - SHOWN} more (.eml files: open them in a mail client)")


def _summary(path: Path) -> str:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    return f"to {message['To']}: {message['Subject']}"
