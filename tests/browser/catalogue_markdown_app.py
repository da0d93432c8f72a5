"""Every catalogue text of both languages through Streamlit's own markdown, for ``test_markdown_e2e.py``.

One ``st.markdown`` per language, one paragraph per text (a blank line between them, so emphasis cannot
reach from one text into the next), each led by its key in brackets: ``[point_report.verdict] **…**``.
The texts' ``{fields}`` are filled with a letter, as ``tests/unit/test_markdown.py`` fills them.
"""

from __future__ import annotations

import streamlit as st

from i18n import LANGUAGES, catalogue
from tests.unit.test_markdown import filled


def paragraph(key: str, template: str) -> str:
    return f"\\[{key}\\] {filled(template)}".replace("\n\n", "\n")


for language in LANGUAGES:
    with st.container(key=f"catalogue_{language}"):
        st.markdown("\n\n".join(paragraph(key, template) for key, template in catalogue(language).items()))
