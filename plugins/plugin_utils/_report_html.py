# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""report.html: the whole fleet on one self-contained page, for people.

Fleet summary first (verdict, counts, one row per host), then each host: its
facts, its listeners, and its findings grouped by listener with severity colours
and the fix. One file, no scripts and no external assets (CSS inline; a
Content-Security-Policy forbids anything else), readable at 1280 px and on a
phone (tables turn into cards below 720 px).

Every value is escaped by Jinja2's autoescape: server-supplied strings (a
hostile ``myhostname``, ``smtpd_banner``, service name, certificate subject or
error message) render as text, never as markup.
"""

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup, escape

from ansible_collections.mailsec.postfix.plugins.plugin_utils._report_model import SEVERITIES, groups, printable

CSS = """
:root{--high:#b42318;--medium:#b54708;--low:#8a6a00;--info:#475467;--ok:#067647;--na:#6941c6;
--bg:#f5f7fa;--card:#fff;--line:#e4e7ec;--text:#101828;--muted:#475467;--code:#f2f4f7}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif}
.wrap{max-width:1200px;margin:0 auto;padding:0 20px}
header.top{background:#101828;color:#fff;padding:18px 0 14px}
header.top h1{margin:0;font-size:22px}
header.top .meta{margin:4px 0 0;color:#d0d5dd;font-size:13px}
main{padding:20px 0 40px}
h2{font-size:19px;margin:28px 0 10px}
h3{font-size:15px;margin:18px 0 8px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
h4{font-size:15px;margin:14px 0 6px;display:flex;flex-wrap:wrap;gap:8px;align-items:center}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:13px}
code,.mono,td,dd,p{overflow-wrap:anywhere}
a{color:#1849a9}
.verdict{border-radius:10px;padding:12px 16px;font-weight:600;color:#fff;margin-bottom:12px}
.verdict-pass{background:var(--ok)}.verdict-fail{background:var(--high)}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:10px;margin-bottom:14px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 12px;
border-top:4px solid var(--line)}
.stat .num{display:block;font-size:26px;font-weight:700;line-height:1.2}
.stat .lbl{color:var(--muted);font-size:13px}
.st-high{border-top-color:var(--high)}.st-medium{border-top-color:var(--medium)}
.st-low{border-top-color:var(--low)}.st-info{border-top-color:var(--info)}
.st-na{border-top-color:var(--na)}.st-ok{border-top-color:var(--ok)}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:10px;
overflow:hidden}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f9fafb;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
tr:last-child td{border-bottom:0}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.zero{color:#98a2b3}
.badge,.pill{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:700;
letter-spacing:.03em;text-transform:uppercase;white-space:nowrap}
.sev-high{background:var(--high);color:#fff}.sev-medium{background:var(--medium);color:#fff}
.sev-low{background:#fde272;color:#713b12}.sev-info{background:#eaecf0;color:#344054}
.res-pass{background:var(--ok);color:#fff}.res-fail{background:var(--high);color:#fff}
.res-na{background:var(--na);color:#fff}
.host{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:4px 18px 16px;margin:22px 0;
border-left:6px solid var(--ok)}
.host.r-fail{border-left-color:var(--high)}.host.r-na{border-left-color:var(--na)}
.host-head{display:flex;flex-wrap:wrap;align-items:center;gap:10px}
.host-head h2{margin:14px 0 4px;overflow-wrap:anywhere}
.host table{border-radius:8px}
.notice{border-radius:8px;padding:12px 14px;margin:12px 0;background:#f4f3ff;border:1px solid #d9d6fe;color:#42307d}
.notice pre{white-space:pre-wrap;margin:8px 0 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:8px 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
.group{margin-top:6px}
.okline{color:var(--ok);font-weight:600;font-size:13px}
.count{color:var(--muted);font-size:13px;font-weight:400}
.finding{border:1px solid var(--line);border-left:5px solid var(--info);border-radius:8px;padding:8px 12px;
margin:8px 0;background:#fcfcfd}
.f-high{border-left-color:var(--high);background:#fffbfa}.f-medium{border-left-color:var(--medium);background:#fffcf5}
.f-low{border-left-color:#eaaa08}.f-info{border-left-color:#98a2b3}
.fhead{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.fhead .title{font-weight:600}
.blocking{font-size:12px;font-weight:700;color:var(--high)}
.finding p{margin:6px 0}
.fix{background:var(--code);border-radius:6px;padding:6px 10px;display:flex;gap:10px;align-items:baseline}
.fix .lbl{font-size:11px;font-weight:700;text-transform:uppercase;color:var(--ok);letter-spacing:.05em}
footer{color:var(--muted);font-size:12px;padding:10px 0 30px}
@media (max-width:720px){
.wrap{padding:0 12px}
header.top h1{font-size:19px}
table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
table.stack{border:0;background:none}
table.stack thead{display:none}
table.stack tr{background:var(--card);border:1px solid var(--line);border-radius:10px;margin-bottom:10px;
padding:4px 0}
table.stack td{border:0;padding:3px 12px;display:flex;gap:10px;text-align:left}
table.stack td.n{text-align:left}
table.stack td::before{content:attr(data-label);flex:0 0 104px;color:var(--muted);font-size:12px;
text-transform:uppercase;letter-spacing:.03em;padding-top:2px}
.host{padding:2px 12px 12px}
dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:6px}
}
@media print{header.top{background:none;color:var(--text)}.host{break-inside:avoid-page}}
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; \
base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="{{ m.tool.name }}">
<title>Postfix TLS audit: {{ m.result | upper }}, {{ m.summary.hosts }} host(s)</title>
<style>{{ css }}</style>
</head>
<body>
<header class="top"><div class="wrap">
<h1>Postfix TLS/SASL audit</h1>
<p class="meta">{{ m.generated or 'generation time unknown' }} &middot; profile <b>{{ m.profile }}</b> &middot; \
{% if m.audit_fail_on == 'never' %}report only (audit_fail_on=never){% else %}fails on \
<b>{{ m.audit_fail_on }}</b>{% if m.audit_fail_on != 'info' %} and above{% endif %}{% endif %}</p>
</div></header>
<main class="wrap">
<section aria-labelledby="fleet">
<h2 id="fleet">Fleet summary</h2>
{% set na = m.summary.hosts - m.summary.audited %}
<div class="verdict verdict-{{ m.result }}">{{ m.result | upper }}: {{ m.summary.passing }} of {{ m.summary.hosts }} \
host(s) pass{% if m.summary.blocking %}; {{ m.summary.blocking }} finding(s) at or above {{ m.audit_fail_on }}\
{% endif %}{% if na %}; {{ na }} host(s) not audited ({{ m.summary.unreachable }} unreachable)\
{% endif %}</div>
<div class="stats">
<div class="stat st-ok"><span class="num">{{ m.summary.audited }}</span><span class="lbl">audited</span></div>
<div class="stat st-na"><span class="num">{{ na }}</span><span class="lbl">not audited</span></div>
{% for sev in severities %}
<div class="stat st-{{ sev }}"><span class="num">{{ m.summary.findings[sev] }}</span>\
<span class="lbl">{{ sev }}</span></div>
{% endfor %}
</div>
<table class="stack fleet">
<thead><tr><th>Host</th><th>Result</th><th>Postfix</th>{% for sev in severities %}<th>{{ sev }}</th>{% endfor %}\
</tr></thead>
<tbody>
{% for h in m.hosts %}
<tr>
<td data-label="Host"><a href="#host-{{ loop.index }}">{{ h.name }}</a></td>
<td data-label="Result">{{ result_pill(h) }}</td>
<td data-label="Postfix">{{ h.postfix_version or '-' }}</td>
{% for sev in severities %}
<td data-label="{{ sev }}" class="n{% if not h.counts[sev] %} zero{% endif %}">\
{% if h.status == 'audited' %}{{ h.counts[sev] }}{% else %}-{% endif %}</td>
{% endfor %}
</tr>
{% endfor %}
</tbody>
</table>
</section>
{% for h in m.hosts %}
{% set r = 'na' if h.status != 'audited' else h.result %}
<section class="host r-{{ r }}" id="host-{{ loop.index }}" aria-label="{{ h.name }}">
<div class="host-head"><h2>{{ h.name }}</h2>{{ result_pill(h) }}</div>
{% if h.status != 'audited' %}
<div class="notice"><strong>{{ 'Unreachable' if h.status == 'unreachable' else 'Audit failed' }}: not audited.\
</strong> Nothing is known about this host's configuration; it is not a clean result.
<pre class="mono">{{ h.error }}</pre></div>
{% else %}
<dl class="facts">
<dt>myhostname</dt><dd><code>{{ h.myhostname or '-' }}</code></dd>
<dt>Postfix</dt><dd>{{ h.postfix_version or 'unknown' }} &middot; {{ h.config_dir }} (read via {{ h.source }})\
{% if h.running is false %} &middot; <b>not running</b>{% endif %}</dd>
{% if h.banner %}<dt>smtpd_banner</dt><dd><code>{{ h.banner }}</code></dd>{% endif %}
<dt>Outbound</dt><dd>level <code>{{ h.outbound.security_level or '-' }}</code>, \
<code>{{ h.outbound.protocols_param }} = {{ h.outbound.protocols }}</code>\
{% if h.outbound.policy_maps %}, policy <code>{{ h.outbound.policy_maps }}</code>{% endif %}</dd>
<dt>Findings</dt><dd>{% for sev in severities if h.counts[sev] %}\
<span class="badge sev-{{ sev }}">{{ h.counts[sev] }} {{ sev }}</span> {% else %}none{% endfor %}</dd>
</dl>
<h3>Listeners</h3>
<table class="stack listeners">
<thead><tr><th>Service</th><th>Address</th><th>TLS</th><th>Protocols</th><th>AUTH</th><th>Findings</th></tr></thead>
<tbody>
{% for lst in h.listeners %}
{% set fs = h_findings(h) | selectattr('service', 'equalto', lst.service) | list %}
<tr>
<td data-label="Service"><code>{{ lst.service }}</code>{% if lst.via %} (via {{ lst.via }}){% endif %}</td>
<td data-label="Address">{{ lst.address or '*' }}:{{ lst.port if lst.port is not none else '?' }}\
{% if lst.loopback %} (loopback, not audited){% endif %}</td>
<td data-label="TLS">{{ lst.tls_mode }}, level <code>{{ lst.security_level }}</code></td>
<td data-label="Protocols"><code>{{ lst.protocols_param }} = {{ lst.protocols }}</code></td>
<td data-label="AUTH">{{ 'on' if lst.sasl_enabled else 'off' }}</td>
<td data-label="Findings">{% for sev in severities %}{% set k = fs | selectattr('severity', 'equalto', sev) | list \
| length %}{% if k %}<span class="badge sev-{{ sev }}">{{ k }} {{ sev }}</span> {% endif %}{% endfor %}\
{% if not fs %}<span class="okline">none</span>{% endif %}</td>
</tr>
{% endfor %}
</tbody>
</table>
<h3>Findings by listener</h3>
{% for label, lst, fs in groups(h, m.findings) %}
<div class="group">
<h4><code>{{ label }}</code>{% if fs %}<span class="count">{{ fs | length }} finding(s)</span>\
{% else %}<span class="okline">no findings</span>{% endif %}</h4>
{% for f in fs %}
<article class="finding f-{{ f.severity }}">
<div class="fhead"><span class="badge sev-{{ f.severity }}">{{ f.severity }}</span>\
<span class="title">{{ f.title }}</span><code>{{ f.id }}</code>\
{% if f.blocking %}<span class="blocking">fails the audit</span>{% endif %}</div>
<p>{{ f.message }}</p>
<div class="fix"><span class="lbl">Fix</span><code>{{ f.fix }}</code></div>
</article>
{% endfor %}
</div>
{% endfor %}
{% endif %}
</section>
{% endfor %}
<footer>{{ m.tool.name }}{% if m.tool.version %} {{ m.tool.version }}{% endif %}: \
{{ m.checks | length }} checks per host. This page is self-contained: no scripts, no external assets.</footer>
</main>
</body>
</html>
"""


def _result_pill(host):
    if host["status"] == "unreachable":
        cls, label = "res-na", "unreachable"
    elif host["status"] != "audited":
        cls, label = "res-na", "not audited"
    elif host["result"] == "fail":
        cls, label = "res-fail", "fail"
    else:
        cls, label = "res-pass", "pass"
    return Markup('<span class="pill %s">%s</span>') % (cls, escape(label))


def _strip_controls(value):
    """Control characters from a server render as U+FFFD."""
    if isinstance(value, dict):
        return {k: _strip_controls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_controls(v) for v in value]
    if isinstance(value, str):
        return printable(value)
    return value


_ENV = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_TEMPLATE = _ENV.from_string(TEMPLATE)


def render(model):
    model = _strip_controls(model)
    return _TEMPLATE.render(
        m=model,
        css=Markup(CSS),  # trusted constant; escaping would break its quotes
        severities=SEVERITIES,
        groups=groups,
        result_pill=_result_pill,
        h_findings=lambda host: [f for f in model["findings"] if f["host"] == host["name"]],
    )
