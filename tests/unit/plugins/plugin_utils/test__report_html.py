# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""report.html: self-contained, fleet summary then each host and listener, and no value from a server
(myhostname, banner, service names, certificate subjects, error messages, inventory names) becomes markup."""

import copy
import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.mailsec.postfix.plugins.plugin_utils import _report_html, _report_model

# Every tag and attribute the template itself writes; anything else came from data.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "div", "h1", "h2", "h3", "h4", "p", "b", "main",
    "section", "span", "table", "thead", "tbody", "tr", "th", "td", "a", "dl", "dt", "dd", "code", "pre",
    "strong", "article", "footer",
}  # fmt: skip
ALLOWED_ATTRS = {"lang", "charset", "name", "content", "http-equiv", "class", "id", "href", "data-label", "aria-label",
                 "aria-labelledby"}  # fmt: skip


class Page(HTMLParser):
    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text, self.in_style = [], [], [], False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if not self.in_style:
            self.text.append(data)


def render(fleet, **kw):
    return _report_html.render(_report_model.build(fleet, generated="2025-01-02T03:04:05Z", **kw))


def assert_no_injected_markup(html):
    page = Page(html)
    assert set(page.tags) <= ALLOWED_TAGS, set(page.tags) - ALLOWED_TAGS
    assert {k for _t, k, _v in page.attrs} <= ALLOWED_ATTRS
    for _tag, key, value in page.attrs:
        if key == "href":
            assert re.fullmatch(r"#host-\d+", value), value
        if key == "class":
            assert re.fullmatch(r"[a-z0-9 -]+", value), value
    assert page.tags.count("style") == 1 and page.tags.count("title") == 1
    assert html.count("</style>") == 1
    return page


def test_hostile_server_values_are_text_never_markup(fleet):
    html = render(fleet)
    page = assert_no_injected_markup(html)
    text = "".join(page.text)
    legacy = fleet[next(iter(fleet))]["postfix_info"]
    assert legacy["myhostname"] in text  # shown, as text
    assert "onerror=alert(2)>" in text
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\x1b" not in html and "\x00" not in html  # control characters from the banner are replaced


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(alphabet=st.sampled_from(list("<>&\"'/=` abc\x00\n")) | st.characters(), max_size=40))
def test_any_string_in_any_server_field_stays_text(fleet, value):
    fleet = copy.deepcopy(fleet)
    name = next(iter(fleet))
    info = fleet[name]["postfix_info"]
    info["myhostname"] = value
    info["version"] = value
    info["main"]["smtpd_banner"] = value
    info["listeners"][0]["protocols"] = value
    info["certificates"][0]["path"] = value
    fleet["mx3.example.org"]["msg"] = value
    fleet[value + "host"] = {"postfix_info": copy.deepcopy(info)}
    assert_no_injected_markup(render(fleet))


def test_self_contained_and_responsive(fleet):
    html = render(fleet)
    page = Page(html)
    assert not {"script", "link", "img", "iframe", "object", "embed", "base", "form"} & set(page.tags)
    assert not re.search(r"(?i)(src|href)\s*=\s*[\"']?(https?:|//|data:|file:)", html)
    assert "url(" not in html and "@import" not in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "default-src 'none'" in html  # CSP: nothing but the inline style may load or run
    assert "@media (max-width:720px)" in html


def test_fleet_summary_then_each_host_and_listener(fleet):
    html = render(fleet)
    text = "".join(Page(html).text)
    assert text.index("Fleet summary") < text.index("Findings by listener")
    assert "FAIL: 1 of 4 host(s) pass" in text
    for n in range(1, 5):
        assert 'id="host-%d"' % n in html and 'href="#host-%d"' % n in html
    for label in ("smtp (port 25)", "submission (port 587)", "submissions (port 465)"):
        assert label in text
    assert "127.0.0.1:10025" in text and "loopback, not audited" in text


def test_severity_colours_and_a_fix_per_finding(fleet):
    model = _report_model.build(fleet)
    html = render(fleet)
    for sev in ("high", "medium", "low"):
        assert 'class="finding f-%s"' % sev in html and "sev-%s" % sev in html
    assert html.count('class="finding ') == len(model["findings"])
    assert html.count('<span class="lbl">Fix</span>') == len(model["findings"])
    assert "fails the audit" in html


def test_unreachable_hosts_are_shown_as_unreachable_not_clean(fleet):
    html = render(fleet)
    section = html[html.index('id="host-3"') : html.index('id="host-4"')]
    assert "Unreachable: not audited." in section
    assert "pill res-na" in section and "res-pass" not in section
    section = html[html.index('id="host-4"') :]
    assert "Audit failed: not audited." in section
    row = re.search(r"<tr>\s*<td data-label=\"Host\"><a href=\"#host-3\">.*?</tr>", html, re.S).group(0)
    assert "unreachable" in row and "res-pass" not in row


def test_a_clean_fleet_passes(hardened_fleet):
    html = render(hardened_fleet)
    assert "PASS: 2 of 2 host(s) pass" in html
    assert html.count("no findings") == 6  # three listeners on each host
