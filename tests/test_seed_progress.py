"""The seed's progress, written where nobody watches it redraw (a log, CI): whole lines."""

from __future__ import annotations

import io

from app.seed import Progress


def test_off_a_terminal_progress_is_a_few_whole_lines_per_account() -> None:
    # given a stream that is not a terminal
    stream = io.StringIO()

    # when two accounts of 40 caregivers and 120 patients are seeded step by step
    progress = Progress(enabled=True, stream=stream)
    for number in (1, 2):
        with progress.account(number, 2, (40, 120)) as steps:
            for _ in range(40):
                steps.advance("caregivers")
            for _ in range(120):
                steps.advance("patients")

    # then the output is whole lines, a couple per account, no carriage returns or escapes
    written = stream.getvalue()
    lines = written.splitlines()
    assert "\r" not in written and "\x1b" not in written
    assert 2 <= len(lines) <= 6
    assert all(len(line) <= 120 for line in lines)
    assert any("account 2/2: patients" in line and "120/120" in line for line in lines)


def test_disabled_progress_writes_nothing() -> None:
    # given progress turned off (as the tests seed)
    stream = io.StringIO()

    # when an account is seeded
    with Progress(enabled=False, stream=stream).account(1, 1, (2, 2)) as steps:
        steps.advance("caregivers")

    # then nothing is written
    assert stream.getvalue() == ""
