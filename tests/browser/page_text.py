"""What a page says, read from the browser: the main area's text, and waiting for a sentence to appear."""

from __future__ import annotations

import re
import time


def body(page) -> str:
    return page.inner_text("[data-testid='stMain']")


def wait_for_text(page, pattern: re.Pattern, timeout: float = 60.0) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := pattern.search(body(page))) is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{pattern.pattern!r} never appeared; the page says: {body(page)[:800]!r}")
