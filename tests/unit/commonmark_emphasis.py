"""CommonMark's emphasis, as Streamlit's markdown (micromark, CommonMark 0.31.2) reads ``*`` and ``_``: a test oracle.

Only what decides whether ``**bold**`` renders or shows its asterisks: backslash escapes, code spans,
delimiter runs with their flanking rules, and the "process emphasis" procedure of the spec's appendix.
A run of ``*`` can open emphasis when it is *left-flanking*: not followed by whitespace, and either not
followed by punctuation or preceded by whitespace or punctuation (closing mirrors it). Punctuation is
Unicode P or S (0.31.2, and micromark's ``/\\p{P}|\\p{S}/u``), so ``**局部最小值。**这是`` cannot close:
its closing run follows "。" and precedes a letter. (Links, HTML and math are not parsed: the texts
checked here hold none around their emphasis.)
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass

ASCII_PUNCTUATION = frozenset(string.punctuation)


def is_whitespace(character: str) -> bool:
    return character in "\t\n\f\r" or unicodedata.category(character) == "Zs"


def is_punctuation(character: str) -> bool:
    return unicodedata.category(character)[0] in "PS"


@dataclass
class Delimiter:
    character: str
    length: int  # the run's original length (the rule of 3 uses it)
    remaining: int
    can_open: bool
    can_close: bool


def _delimiter(text: str, start: int, end: int) -> Delimiter:
    character = text[start]
    before = text[start - 1] if start > 0 else "\n"
    after = text[end] if end < len(text) else "\n"
    left = not is_whitespace(after) and (
        not is_punctuation(after) or is_whitespace(before) or is_punctuation(before))
    right = not is_whitespace(before) and (
        not is_punctuation(before) or is_whitespace(after) or is_punctuation(after))
    if character == "*":
        can_open, can_close = left, right
    else:  # "_" may not open or close inside a word
        can_open = left and (not right or is_punctuation(before))
        can_close = right and (not left or is_punctuation(after))
    return Delimiter(character, end - start, end - start, can_open, can_close)


def _tokens(text: str) -> list[str | Delimiter]:
    """Literal text and delimiter runs; escapes and code spans become literal text."""
    tokens: list[str | Delimiter] = []
    index = 0
    while index < len(text):
        character = text[index]
        if character == "\\" and index + 1 < len(text) and text[index + 1] in ASCII_PUNCTUATION:
            tokens.append(text[index + 1])
            index += 2
        elif character == "`":
            end = index
            while end < len(text) and text[end] == "`":
                end += 1
            fence = text[index:end]
            closing = text.find(fence, end)
            while closing != -1 and closing + len(fence) < len(text) and text[closing + len(fence)] == "`":
                closing = text.find(fence, closing + len(fence) + 1)
            if closing == -1:
                tokens.append(fence)
                index = end
            else:
                content = text[end:closing]
                if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
                    content = content[1:-1]
                tokens.append(f"<code>{content}</code>")
                index = closing + len(fence)
        elif character in "*_":
            end = index
            while end < len(text) and text[end] == character:
                end += 1
            tokens.append(_delimiter(text, index, end))
            index = end
        else:
            tokens.append(character)
            index += 1
    return tokens


def _literal(token: str | Delimiter) -> str:
    return token if isinstance(token, str) else token.character * token.remaining


def _odd_match(opener: Delimiter, closer: Delimiter) -> bool:
    """The rule of 3: a run that can both open and close does not pair with one whose lengths sum to 3k."""
    return ((opener.can_close or closer.can_open) and (opener.length + closer.length) % 3 == 0
            and not (opener.length % 3 == 0 and closer.length % 3 == 0))


def _processed(text: str) -> tuple[list[str | Delimiter], list[Delimiter]]:
    """The tokens after emphasis is processed, and the delimiter runs left inside matched emphasis."""
    tokens = _tokens(text)
    enclosed: list[Delimiter] = []
    position = 0
    while position < len(tokens):
        closer = tokens[position]
        if not (isinstance(closer, Delimiter) and closer.can_close):
            position += 1
            continue
        opener_at = next((index for index in range(position - 1, -1, -1)
                          if isinstance(opener := tokens[index], Delimiter) and opener.character == closer.character
                          and opener.can_open and not _odd_match(opener, closer)), None)
        if opener_at is None:
            position += 1
            continue
        opener = tokens[opener_at]
        used = 2 if opener.remaining >= 2 and closer.remaining >= 2 else 1
        tag = "strong" if used == 2 else "em"
        enclosed += [token for token in tokens[opener_at + 1:position] if isinstance(token, Delimiter)]
        inner = "".join(_literal(token) for token in tokens[opener_at + 1:position])
        opener.remaining -= used
        closer.remaining -= used
        tokens[opener_at + 1:position] = [f"<{tag}>{inner}</{tag}>"]
        position = opener_at + 2
        if opener.remaining == 0:
            del tokens[opener_at]
            position -= 1
        if closer.remaining == 0:
            del tokens[position]
    return tokens, enclosed


def render(text: str) -> str:
    """``text`` with its emphasis as ``<em>``/``<strong>``; unmatched delimiters stay as literal characters."""
    tokens, _ = _processed(text)
    return "".join(_literal(token) for token in tokens)


def unmatched_delimiters(text: str) -> list[str]:
    """The delimiter runs (or what is left of them) meant as emphasis but shown as text: a run of two or more
    (``**``) that could open or close, or any run that could open, and found no partner.

    A run that can do neither (``a * b``: spaces on both sides) is plain text by design, and so is a single
    ``*`` that can only close (the θ* of a formula): neither is listed.
    """
    tokens, enclosed = _processed(text)
    left = [token for token in tokens if isinstance(token, Delimiter)] + enclosed
    return [token.character * token.remaining for token in left
            if token.remaining and (token.can_open or (token.can_close and token.length >= 2))]
