"""Catalogue texts through Streamlit's real markdown in headless Chromium: no asterisk left from a failed bold.

The page is ``catalogue_markdown_app.py``. The unit tests judge the catalogues with an emphasis oracle
(``tests/unit/commonmark_emphasis.py``); here the browser shows what Streamlit 1.67 really renders, and
the oracle must agree with it, text by text, on how many asterisks a reader sees.
"""

from __future__ import annotations

import re

import pytest

from i18n import LANGUAGES, catalogue
from tests.browser.server import ARTIFACTS, StreamlitServer, fresh_page
from tests.unit.commonmark_emphasis import render
from tests.unit.test_markdown import filled

pytestmark = pytest.mark.browser

KEYED = re.compile(r"^\[([\w.]+)\] ", re.MULTILINE)


def shown_texts(page, language: str) -> dict[str, str]:
    """What the reader sees of each text (its key in brackets first), by key."""
    paragraphs = page.locator(f".st-key-catalogue_{language} p").all_inner_texts()
    texts = {}
    for paragraph in paragraphs:
        keyed = KEYED.match(paragraph)
        if keyed:
            texts[keyed[1]] = paragraph[keyed.end():]
    return texts


def test_streamlit_shows_every_catalogue_text_without_a_stray_asterisk(browser):
    server = StreamlitServer("tests/browser/catalogue_markdown_app.py")
    try:
        with fresh_page(browser) as page:
            page.goto(server.url)
            for language in LANGUAGES:
                page.wait_for_selector(f".st-key-catalogue_{language} p", timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "catalogue_markdown.png"), full_page=True)
            for language in LANGUAGES:
                shown = shown_texts(page, language)
                texts = catalogue(language)
                assert set(shown) == set(texts), set(texts) ^ set(shown)
                disagreements, stray = {}, {}
                for key, template in texts.items():
                    expected = re.sub(r"</?(em|strong|code)>", "", render(filled(template)))
                    if shown[key].count("*") != expected.count("*"):
                        disagreements[key] = (shown[key], expected)
                    outside_code = shown[key]  # a ** written in a code span (`**`, the power) is meant
                    for code in re.findall(r"`([^`]*)`", filled(template)):
                        outside_code = outside_code.replace(code, "", 1)
                    if "**" in outside_code and " ** " not in template:  # " ** " is the power operator
                        stray[key] = shown[key]
                assert not disagreements, f"{language}: the oracle and Streamlit differ: {disagreements}"
                assert not stray, f"{language}: a bold shows its asterisks: {stray}"
    finally:
        server.close()
