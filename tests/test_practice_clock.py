"""The practice's day is Paris's, whatever zone the server's clock is kept in (P1, T4).

Found when the suite ran at 00:02 in Paris on a machine kept in UTC: « today » was still
the day before there, so the access report, which ends « today », left out the reading
made a minute earlier (tests/browser/test_agenda_browser.py failed for an hour each night).
"""

import datetime
import os
import subprocess
import sys

from cabinet.config import ROOT, TIMEZONE


def test_a_process_kept_in_utc_counts_its_days_in_paris():
    # A child told its system clock is UTC, as servers and CI machines often are.
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import datetime, time, cabinet.config; "
            "print(time.tzname[0], datetime.datetime.now().astimezone().utcoffset())",
        ],
        cwd=ROOT,
        env={**os.environ, "TZ": "UTC"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    offset = datetime.datetime.now(TIMEZONE).utcoffset()
    assert shown == ["CET", str(offset)]


def test_today_is_the_day_in_paris_in_this_process():
    # The local offset is Paris's (+1 h in winter, +2 h in summer), not the machine's.
    assert (
        datetime.datetime.now().astimezone().utcoffset()
        == datetime.datetime.now(TIMEZONE).utcoffset()
    )
    before = datetime.datetime.now(TIMEZONE).date()
    today = datetime.date.today()
    assert today in {before, datetime.datetime.now(TIMEZONE).date()}
