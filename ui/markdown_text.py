r"""Text that must reach the page exactly as written, through Streamlit's markdown.

``st.error``, ``st.warning``, ``st.info``, ``st.caption`` and ``st.markdown`` read their text as markdown
(CommonMark, plus ``$math$``, ``:colour[...]`` and emoji short codes). A catalogue text uses that on
purpose (``**bold**``); a message that quotes a formula or a URL must not: in "write 3*x for a product,
or 2*y" the two ``*`` became italics and vanished. CommonMark lets every ASCII punctuation character be
escaped with a backslash, and an escaped character is shown as itself, so

.. code-block:: text

    markdown_literal("write 3*x")  ==  r"write 3\*x"   (shown: write 3*x)

Pure (no streamlit): the pages call it on every value they did not write themselves.
"""

from __future__ import annotations

import re

_ASCII_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
_BACKTICKS = re.compile(r"`+")


def markdown_literal(text: object) -> str:
    """``str(text)`` with every ASCII punctuation character backslash-escaped: markdown shows it as written."""
    return _ASCII_PUNCTUATION.sub(r"\\\1", str(text))


def markdown_code(text: object) -> str:
    """``str(text)`` as an inline code span, whatever backticks it holds (the fence is one longer than its
    longest run of backticks; a space pads a span that starts or ends with one, as CommonMark strips it)."""
    text = str(text)
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"
