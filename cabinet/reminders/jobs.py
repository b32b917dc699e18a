"""The reminders job (issue 17): queue what is due, then send what waits. Called every few
minutes by the scheduler's single process (cabinet/scheduler.py), and by
`flask --app app reminders run`. A failure here never touches the agenda: the agenda only
reads, and each message is recorded on its own."""

import datetime

from cabinet.reminders import services


def run(now: datetime.datetime) -> dict[str, int]:
    """{new, sent, retry, failed, cancelled, uncertain} at `now` (naive UTC)."""
    counts = {"new": services.queue_due_reminders(now)}
    counts.update(services.send_due(now))
    return counts
