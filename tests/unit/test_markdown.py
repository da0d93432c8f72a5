"""Markdown renders as meant: catalogue emphasis in both languages, and messages shown exactly as written."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from i18n import LANGUAGES, catalogue
from tests.unit.commonmark_emphasis import render, unmatched_delimiters
from ui.markdown_text import markdown_code, markdown_literal


@pytest.mark.parametrize(("markdown", "html"), [
    # Examples of CommonMark 0.31.2's emphasis section: the oracle reads them as the spec does.
    ("*foo bar*", "<em>foo bar</em>"),
    ("a * foo bar*", "a * foo bar*"),
    ("foo*bar*", "foo<em>bar</em>"),
    ("_foo_bar_baz_", "<em>foo_bar_baz</em>"),
    ("**foo bar**", "<strong>foo bar</strong>"),
    ("**foo*", "*<em>foo</em>"),
    ("*foo**", "<em>foo</em>*"),
    ("*foo**bar**baz*", "<em>foo<strong>bar</strong>baz</em>"),
    ("*foo**bar*", "<em>foo**bar</em>"),
    ("foo***bar***baz", "foo<em><strong>bar</strong></em>baz"),
    ('**foo "*bar*" foo**', '<strong>foo "<em>bar</em>" foo</strong>'),
    ("*(*foo*)*", "<em>(<em>foo</em>)</em>"),
    ("**a**(b)", "<strong>a</strong>(b)"),
    ("a**\"foo\"**", 'a**"foo"**'),
    (r"\*foo*", "*foo*"),
    ("`*a*` *b*", "<code>*a*</code> <em>b</em>"),
    # Punctuation next to CJK letters: the closing run after "。" cannot close before a letter.
    ("**局部最小值。**这是", "**局部最小值。**这是"),
    ("**局部最小值**。这是", "<strong>局部最小值</strong>。这是"),
    ("**课程中：**真实", "**课程中：**真实"),
    ("这里有**2 个**鞍点", "这里有<strong>2 个</strong>鞍点"),
])
def test_the_oracle_reads_emphasis_as_commonmark_does(markdown, html):
    assert render(markdown) == html


def filled(template: str) -> str:
    """A catalogue text with every ``{field}`` filled by a letter (what fills them at run time starts and ends
    with letters or digits: names, numbers)."""
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    return template.format(**dict.fromkeys(names, "x"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_emphasis_in_the_catalogues_renders(language):
    """A run of ``*`` or ``_`` that could open or close emphasis but finds no partner is shown as it is:
    ``**局部最小值。**这是`` showed its four asterisks to every Chinese reader."""
    failures = {key: unmatched_delimiters(filled(template)) for key, template in catalogue(language).items()}
    assert not {key: runs for key, runs in failures.items() if runs}


def test_the_verdict_renders_its_title_in_bold_for_every_title():
    for language in LANGUAGES:
        texts = catalogue(language)
        for key in (key for key in texts if key.startswith("verdict.title.")):
            title = filled(texts[key])  # "{title}, within the precision shown" holds a title itself
            shown = render(filled(texts["point_report.verdict"].replace("{title}", title)))
            assert f"<strong>{title}" in shown and "*" not in shown, (language, key, shown)


@pytest.mark.parametrize("message", [
    "missing '*' at column 6: write 3*x for a product",
    "write 3*x for a product, or 2*y",
    "x**2 __init__ `code` [link](http://a) <b>bold</b> $x$ # heading",
    "1. not a list\n- nor this\n> nor a quote",
    "a\\*b and \\\\ and ~~gone~~ and :red[colour]",
])
def test_a_literal_message_is_shown_exactly_as_written(message):
    assert render(markdown_literal(message)) == message
    assert not unmatched_delimiters(markdown_literal(message))


@given(st.text(alphabet=st.sampled_from(string.punctuation + "ab 3 中。"), max_size=40))
def test_any_text_made_literal_renders_as_itself(text):
    assert render(markdown_literal(text)) == text


@pytest.mark.parametrize("text", ["lr1=abc", "x=`a`", "x=``", "`", "a``b`c"])
def test_a_code_span_holds_any_backticks(text):
    assert render(markdown_code(text)) == f"<code>{text}</code>"
