"""A dispatcher that notes the messages it would send to the Celery workers."""

from __future__ import annotations

from collections.abc import Sequence


class RecordedDispatch:
    """Notes each message instead of sending it: one per id, or one naming several."""

    def __init__(self) -> None:
        self.events: list[int] = []  # one message each
        self.together: list[list[int]] = []  # one message per list
        self.jobs: list[int] = []

    def events_stored(self, event_ids: Sequence[int]) -> None:
        self.events.extend(event_ids)

    def events_stored_together(self, event_ids: Sequence[int]) -> None:
        self.together.append(list(event_ids))

    def jobs_queued(self, job_ids: Sequence[int]) -> None:
        self.jobs.extend(job_ids)
