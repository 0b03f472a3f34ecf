"""The grader of xss-templates: script payloads in every field, the answer read with an HTML parser
(html.parser, as a browser would tokenise it), never with a regex. Each test's docstring is what
the learner reads.

Every payload carries a random marker, so the grader can tell its own injected markup from the
page's and no hard-coded answer can pass.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from sandbox.grading import expect, unique, unique_int

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
CODE_SCHEMES = ("javascript:", "vbscript:", "data:")


class Page(HTMLParser):
    """Elements (tag, attributes), the text, and each script's content, as a browser parses them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.by_id: dict[str, str] = {}
        self._open_ids: list[tuple[str, str]] = []  # (tag, id) whose text is being collected
        self._script: dict[str, str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        self.elements.append((tag, a))
        if tag == "script":
            self._script = a
            self.scripts.append((a, ""))
        if "id" in a:
            self.by_id.setdefault(a["id"], "")
            self._open_ids.append((tag, a["id"]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k.lower(): v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None
        if self._open_ids and self._open_ids[-1][0] == tag:
            self._open_ids.pop()

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, content = self.scripts[-1]
            self.scripts[-1] = (attrs, content + data)
            return
        self.text.append(data)
        for _tag, ident in self._open_ids:
            self.by_id[ident] += data

    @property
    def all_text(self) -> str:
        return "".join(self.text)

    def find(self, tag: str, **attrs: str) -> dict[str, str] | None:
        for t, a in self.elements:
            if t == tag and all(a.get(k) == v for k, v in attrs.items()):
                return a
        return None


def injections(page: Page, marker: str, scripts_only: bool = False) -> list[str]:
    """What of the attacker's payload became markup, a handler, a script or a code URL
    (`scripts_only`: only what broke out of, or into, a <script>)."""
    found = []
    for tag, attrs in [] if scripts_only else page.elements:
        for name, value in attrs.items():
            if name.startswith("on") and marker in value:
                found.append(f"<{tag}> got an event handler {name}={value!r}")
            elif marker in name:
                found.append(f"<{tag}> got an attribute {name!r} out of the payload")
            elif name in URL_ATTRIBUTES and marker in value and _code_url(value):
                found.append(f"<{tag} {name}={value!r}>: a URL that runs code")
        if marker in tag:
            found.append(f"an element <{tag}> made from the payload")
    for attrs, content in page.scripts:
        executable = attrs.get("type", "").lower() not in (
            "application/json",
            "application/ld+json",
        )
        if executable and marker in content:
            found.append(f"a <script> running the payload: {content.strip()[:120]!r}")
    for tag, attrs in [] if scripts_only else page.elements:
        if tag in ("img", "svg", "iframe", "object", "embed", "base") and any(
            marker in v for v in attrs.values()
        ):
            found.append(f"an injected <{tag}> element: {attrs}")
    return found


def _code_url(value: str) -> bool:
    squeezed = re.sub(r"[\x00-\x20]", "", value).lower()  # browsers skip these in a scheme
    return squeezed.startswith(CODE_SCHEMES)


def payloads(marker: str) -> dict[str, str]:
    return {
        "a <script> element": f'<script>alert("{marker}")</script>',
        "an <img> with onerror": f"<img src=x onerror=alert('{marker}')>",
        "a quote and an <svg onload>": f'"><svg onload=alert("{marker}")>',
        "a script end tag": f'</script><script>alert("{marker}")</script>',
        "an HTML comment opener": f"<!--<script>alert('{marker}')</script>",
        "a single-quote handler": f"' onmouseover='alert(\"{marker}\")' x='",
    }


def comment(app, name: str, text: str, website: str = ""):
    return app.post("/comments", data={"name": name, "text": text, "website": website})


def guestbook(app) -> tuple[Page, object]:
    r = app.get("/")
    expect.status(r, 200, why="GET / shows the guestbook")
    return Page(r.text), r


def refuses_injection(r, page: Page, marker: str, what: str, scripts_only: bool = False) -> None:
    problems = injections(page, marker, scripts_only)
    if problems:
        expect.fail(
            r,
            f"{what} shown as text, but the page parsed to: " + "; ".join(problems[:3]),
            "text a visitor typed became part of the page: it runs in every reader's browser "
            "(stored XSS). Let Jinja escape it: no |safe, no Markup() on user input",
        )


# -- tests ----------------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_a_comment_is_shown_with_its_name_text_and_link(app, checks):
    """POST /comments (303) and GET / shows the name, the text and a link to the website"""
    name, text, site = unique("Ada"), unique("hello"), f"https://{unique('site')}.example/a?x=1&y=2"
    with checks.case("POST /comments"):
        expect.status(comment(app, name, text, site), [302, 303], why="Post/Redirect/Get")
    with checks.case("GET / shows it"):
        page, r = guestbook(app)
        if name not in page.all_text or text not in page.all_text:
            expect.fail(r, f"the name {name!r} and the text {text!r} on the page")
        link = page.find("a", href=site)
        if link is None:
            expect.fail(r, f'a link <a href="{site}"> (the website, exactly: &amp; decodes to &)')
    with checks.case("a missing text is 400"):
        expect.status(comment(app, name, ""), 400, why="name and text are required")
    with checks.case("a comment without a website field"):
        r = app.post("/comments", data={"name": unique("name"), "text": unique("text")})
        expect.status(r, [302, 303], why="the website is optional")
    with checks.case("a body without a name field is 400"):
        r = app.post("/comments", data={"text": unique("text")})
        expect.status(r, 400, why="name and text are required")
    with checks.case("a body without a text field is 400"):
        r = app.post("/comments", data={"name": unique("name")})
        expect.status(r, 400, why="name and text are required")
    with checks.case("GET /search finds it by a part of its text, and only matching comments"):
        r = app.get("/search", params={"q": text[-6:]})
        expect.status(r, 200)
        found = Page(r.text).all_text
        if text not in found:
            expect.fail(r, f"the comment with text {text!r} among the results")
        other = unique("other")
        expect.status(comment(app, unique("name"), other), [302, 303])
        r = app.get("/search", params={"q": text[-6:]})
        if other in Page(r.text).all_text:
            expect.fail(r, f"only comments containing {text[-6:]!r}, not {other!r}")
    with checks.case("GET /search without q"):
        r = app.get("/search")
        expect.status(r, 200)
        page = Page(r.text)
        box = page.find("input", name="q")
        if box is None or box.get("value") != "" or page.by_id.get("query", "").strip():
            expect.fail(r, 'an empty query: an empty search box and an empty id="query"')


@pytest.mark.points(2)
def test_markup_in_a_comments_text_stays_text(fresh_app, checks):
    """Script payloads in a comment's text show as text and never become markup"""
    app = fresh_app  # its own copy: a payload that breaks the page must not spill into other tests
    marker = unique("xss")
    for label, payload in payloads(marker).items():
        with checks.case(f"text = {label}: {payload!r}"):
            expect.status(comment(app, unique("name"), payload), [302, 303])
            page, r = guestbook(app)
            refuses_injection(r, page, marker, repr(payload))
            if payload not in page.all_text:
                expect.fail(
                    r,
                    f"the text {payload!r} on the page exactly as it was typed",
                    "escaping shows the characters, it does not remove them",
                )


@pytest.mark.points(2)
def test_markup_in_a_name_stays_text(fresh_app, checks):
    """Script payloads in a commenter's name show as text, with or without a website link"""
    app = fresh_app  # its own copy: a payload that breaks the page must not spill into other tests
    marker = unique("xss")
    for label, payload in payloads(marker).items():
        for site in ("", f"https://{unique('site')}.example/"):
            with checks.case(f"name = {label}{' with a website' if site else ''}: {payload!r}"):
                expect.status(comment(app, payload, unique("text"), site), [302, 303])
                page, r = guestbook(app)
                refuses_injection(r, page, marker, repr(payload))
                if payload not in page.all_text:
                    expect.fail(r, f"the name {payload!r} on the page exactly as typed")


@pytest.mark.points(1)
def test_template_syntax_in_input_is_not_run(app, checks):
    """Jinja syntax a visitor types ({{ 7*7 }}) is shown as typed, never evaluated"""
    a, b = unique_int(1000, 9999), unique_int(11, 99)
    typed = f"{{{{ {a}*{b} }}}}"
    for where, (name, text, q) in {
        "a name": (typed, unique("t"), None),
        "a text": (unique("n"), typed, None),
        "a search": (None, None, typed),
    }.items():
        with checks.case(f"{where} of {typed!r}"):
            if q is None:
                expect.status(comment(app, name, text), [302, 303])
                page, r = guestbook(app)
            else:
                r = app.get("/search", params={"q": q})
                expect.status(r, 200)
                page = Page(r.text)
            if str(a * b) in page.all_text or typed not in page.all_text:
                expect.fail(
                    r,
                    f"{typed!r} on the page as typed, not {a * b}",
                    "user input inside a template's source is server-side template "
                    "injection: it runs Python on your server. Pass input as a variable",
                )


@pytest.mark.points(2)
def test_a_query_stays_inside_its_quoted_attribute(app, checks):
    """The search box's value="…" holds the query exactly, and no payload breaks out of it"""
    marker = unique("xss")
    breakouts = {
        "a double quote": f"x\" autofocus onfocus=\"alert('{marker}')",
        "a single quote": f"x' autofocus onfocus='alert(\"{marker}\")",
        "a space, for an unquoted value": f"x autofocus onfocus=alert('{marker}')",
        "a tag end": f'"><img src=x onerror=alert("{marker}")>',
        "a tag end and a <script>": f'"><script>alert("{marker}")</script>',
    }
    for label, q in breakouts.items():
        with checks.case(f"GET /search?q= {label}: {q!r}"):
            r = app.get("/search", params={"q": q})
            expect.status(r, 200)
            page = Page(r.text)
            refuses_injection(r, page, marker, repr(q))
            box = page.find("input", name="q")
            if box is None:
                expect.fail(r, 'an <input name="q" value="..."> on the search page')
            if box.get("value") != q:
                expect.fail(
                    r,
                    f"the search box's value to be the query {q!r}, parsed it as "
                    f"{box.get('value')!r} with attributes {sorted(box)}",
                    "an unquoted or single-quoted attribute lets the query add attributes",
                )
            if page.by_id.get("query", "").strip() != q:
                expect.fail(r, f'the query {q!r} as text in id="query"')


@pytest.mark.points(2)
def test_data_reaches_scripts_as_json(app, checks):
    """The page-data JSON block holds the query exactly; </script> inside it cannot end it"""
    marker = unique("xss")
    queries = {
        "a script end tag": f'</script><script>alert("{marker}")</script>',
        "a comment opener": f"<!--<script>{marker}",
        "quotes and a backslash": f"\"'\\ {marker}",
        "line separators": f"a\u2028b\u2029{marker}",
        "a plain word": marker,
    }
    for label, q in queries.items():
        with checks.case(f"GET /search?q= {label}: {q!r}"):
            r = app.get("/search", params={"q": q})
            expect.status(r, 200)
            page = Page(r.text)
            # Only the script context here: the search box has its own test.
            refuses_injection(r, page, marker, repr(q), scripts_only=True)
            blocks = [
                content
                for attrs, content in page.scripts
                if attrs.get("id") == "page-data" and attrs.get("type") == "application/json"
            ]
            if len(blocks) != 1:
                expect.fail(
                    r,
                    'one <script type="application/json" id="page-data"> element '
                    f"(found {len(blocks)})",
                )
            try:
                data = json.loads(blocks[0])
            except ValueError:
                expect.fail(
                    r,
                    f"JSON inside the page-data block, got {blocks[0][:120]!r}",
                    "fill it with {{ data | tojson }}: json.dumps does not escape </script>",
                )
            if not isinstance(data, dict) or data.get("query") != q:
                expect.fail(r, f'{{"query": {q!r}}} in the page-data block, got {data!r}')


@pytest.mark.points(2)
def test_website_urls_that_run_code_are_refused(app, checks):
    """A website that is not an http:// or https:// URL is refused with 400 and never linked"""
    marker = unique("xss")
    for url in (
        f"javascript:alert('{marker}')",
        f"JavaScript:alert('{marker}')",
        f" javascript:alert('{marker}')",
        f"java\tscript:alert('{marker}')",
        f"javascript://example.test/%0aalert('{marker}')",
        f"data:text/html,<script>alert('{marker}')</script>",
        f"vbscript:msgbox('{marker}')",
        f"//{marker}.example/",
    ):
        with checks.case(f"website = {url!r}"):
            r = comment(app, unique("name"), unique("text"), url)
            expect.status(r, 400, why="a javascript: link runs the attacker's code when clicked")
            page, shown = guestbook(app)
            refuses_injection(shown, page, marker, repr(url))
            if any(marker in a.get("href", "") for _t, a in page.elements):
                expect.fail(shown, f"no link to {url!r} on the page")


@pytest.mark.points(1)
def test_a_url_with_quotes_stays_one_attribute(app, checks):
    """An https URL carrying quotes or markup is linked exactly, inside its href"""
    marker = unique("xss")
    for url in (
        f'https://{marker}.example/" onmouseover="alert(1)',
        f"https://{marker}.example/' onmouseover='alert(1)",
        f"https://{marker}.example/\"><script>alert('{marker}')</script>",
    ):
        with checks.case(f"website = {url!r}"):
            r = comment(app, unique("name"), unique("text"), url)
            if r.status_code == 400:
                continue  # refusing an odd URL is fine too
            expect.status(r, [302, 303, 400])
            page, shown = guestbook(app)
            refuses_injection(shown, page, marker, repr(url))
            if page.find("a", href=url) is None:
                expect.fail(shown, f'<a href="{url}"> with the URL whole (quoted, escaped)')


@pytest.mark.points(2)
def test_a_content_security_policy_forbids_inline_scripts(app, checks):
    """Every page sends a Content-Security-Policy whose script-src forbids inline scripts"""
    for path in ("/", "/search?q=x"):
        with checks.case(f"GET {path}"):
            r = app.get(path)
            policy = expect.header(
                r,
                "Content-Security-Policy",
                why="a CSP stops injected scripts that escaping missed",
            )
            directives = {
                d.split()[0].lower(): d.split()[1:] for d in policy.split(";") if d.strip()
            }
            sources = directives.get("script-src", directives.get("default-src"))
            if sources is None:
                expect.fail(r, f"a script-src (or default-src) directive, got {policy!r}")
            bad = [
                s
                for s in sources
                if s.lower()
                in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:")
            ]
            if bad:
                expect.fail(
                    r,
                    f"no {', '.join(bad)} in script-src, got {policy!r}",
                    "'unsafe-inline' lets every injected <script> and onerror= run",
                )
