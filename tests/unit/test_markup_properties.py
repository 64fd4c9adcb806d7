"""The sanitiser, as a property: whatever Markdown or HTML goes in, what comes out holds no
construct that can run script. Checked by parsing the output, not by matching substrings."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peeredu.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, render_markdown

URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster"})

# Pieces of known attacks; hypothesis splices them with Markdown syntax and plain text.
FRAGMENTS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](jAvAsCrIpT&#58;alert(1))",
    "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    "[x][r]\n\n[r]: javascript:alert(1)",
    '[x][r]\n\n[r]: JAVASCRIPT:alert(1) "t"',
    "<svg onload=alert(1)><circle/></svg>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "<iframe src=https://evil.example></iframe>",
    "<object data=x></object><embed src=x>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    "<details open ontoggle=alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<base href=//evil.example/>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "<style>*{x:expression(alert(1))}</style>",
    "<a href='&#x6A;avascript:alert(1)'>x</a>",
    "<<script>script>alert(1)<</script>/script>",
    "<!--<script>alert(1)//-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    '<a href="https://ok.example">fine</a>',
    "*emphasis* and **strong**",
    "> quote\n\n- item\n- item",
]
MARKDOWN_GLUE = ["", " ", "\n", "\n\n", "[", "](", ")", "<", ">", '"', "'", "=", "&", "#", ":"]

texts = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.sampled_from(MARKDOWN_GLUE),
        st.text(max_size=20),
    ),
    max_size=12,
).map("".join)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.elements.append((tag, attrs))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def problems(output: str) -> list[str]:
    parser = _Collector()
    parser.feed(output)
    parser.close()
    found = [f"comment {c!r}" for c in parser.comments]
    for tag, attrs in parser.elements:
        if tag not in ALLOWED_TAGS:
            found.append(f"tag <{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}
        for name, value in attrs:
            if name not in allowed or name.startswith("on") or name == "style":
                found.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                # What a browser would follow (WHATWG URL parsing): entities decoded, C0
                # controls and spaces trimmed at the ends, tabs and newlines removed anywhere.
                decoded = html.unescape(value).strip("".join(map(chr, range(0x21))))
                squeezed = "".join(ch for ch in decoded if ch not in "\t\n\r")
                scheme = squeezed.split(":", 1)[0].lower() if ":" in squeezed else ""
                if not all(ch.isalnum() or ch in "+-." for ch in scheme):
                    scheme = ""  # not a scheme: a relative URL
                if scheme and scheme not in URL_SCHEMES:
                    found.append(f"{name}={value!r}")
    return found


@given(texts)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_sanitised_output_never_holds_a_script_capable_construct(text: str) -> None:
    try:
        output = render_markdown(text)
    except ValueError:
        return  # refused as a whole: nothing rendered
    assert problems(output) == [], output


def test_every_known_payload_alone() -> None:
    for fragment in FRAGMENTS:
        output = render_markdown(fragment)
        assert problems(output) == [], (fragment, output)


def test_the_checker_itself_sees_each_kind_of_construct() -> None:
    """Without this, a checker that saw nothing would pass every sanitiser."""
    assert problems("<script>alert(1)</script>")
    assert problems('<a href="JaVaScRiPt:alert(1)">x</a>')
    assert problems('<a href="jav&#x09;ascript:alert(1)">x</a>')
    assert problems('<a href="&#106;avascript:alert(1)">x</a>')
    assert problems('<a href="data:text/html,x">x</a>')
    assert problems('<p onclick="x">x</p>')
    assert problems('<p style="color:red">x</p>')
    assert problems("<svg></svg>") and problems("<math></math>")
    assert problems("<iframe></iframe>") and problems("<object></object>")
    assert problems('<img src="x">')
    assert not problems('<p><a href="https://ok.example" rel="noopener">ok</a></p>')
