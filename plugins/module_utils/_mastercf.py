# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse, edit and render Postfix master.cf text.

Every input line is kept verbatim (render(parse(text)) == text). Services are
identified by (name, type). Edits splice only the tokens they change, so an
untouched service, comment or column layout stays byte for byte. Pure
functions, standard library only.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from ansible_collections.mailsec.postfix.plugins.module_utils._maincf import (
    group_logical_lines,
    is_continuation_line,
    is_ignored_line,
    split_lines,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._values import (
    SPACE,
    ConfigValueError,
    braces_balanced,
    check_param_name,
    is_space,
    render_value,
    same_meaning,
    split_words,
    strip,
)

SERVICE_TYPES = ("inet", "unix", "unix-dgram", "fifo", "pass")
FIELD_NAMES = ("private", "unpriv", "chroot", "wakeup", "maxproc")
_FIELD_RE = {
    "private": re.compile(r"^[yn-]$"),
    "unpriv": re.compile(r"^[yn-]$"),
    "chroot": re.compile(r"^[yn-]$"),
    "wakeup": re.compile(r"^(-|[0-9]+\??)$"),
    "maxproc": re.compile(r"^(-|[0-9]+)$"),
}
_COMMENTED_SERVICE_RE = re.compile(r"^#\s*(\S+)\s+(%s)(\s+\S+){6}" % "|".join(re.escape(t) for t in SERVICE_TYPES))
# A commented continuation line of a template: '#' then an indented text.
_COMMENTED_CONTINUATION_RE = re.compile(r"^#(\s{2,}|\t)\S")
_DEFAULT_INDENT = "  "


class MasterCfError(ConfigValueError):
    """master.cf text this module cannot (or must not) edit."""


@dataclass
class Token:
    raw: str
    value: str
    braced: bool
    line: int  # index into Service.lines, -1 when the token spans lines
    start: int
    end: int


@dataclass
class Option:
    name: str
    value: str
    tokens: List[Token]


@dataclass
class Service:
    """One service entry: the first line plus continuation lines, verbatim."""

    lines: List[str]

    @property
    def key(self):
        fields = split_words(self.lines[0])
        if len(fields) < 2:
            return (fields[0] if fields else "", "")
        return (fields[0], fields[1])


@dataclass
class ServiceView:
    tokens: List[Token]
    options: List[Option]
    args: List[Token]

    @property
    def fields(self):
        return {name: self.tokens[2 + i].value for i, name in enumerate(FIELD_NAMES)}

    @property
    def command(self):
        return self.tokens[7].value


@dataclass
class MasterCf:
    chunks: list = field(default_factory=list)

    def render(self):
        out = []
        for chunk in self.chunks:
            if isinstance(chunk, Service):
                out.extend(chunk.lines)
            else:
                out.append(chunk)
        return "".join(out)

    def services(self):
        return [c for c in self.chunks if isinstance(c, Service)]


def parse(text):
    doc = MasterCf()
    doc.chunks = group_logical_lines(text, lambda line: Service([line]))
    return doc


def render(doc):
    return doc.render()


def service_label(key):
    return "%s/%s" % key


def find_orphaned_overrides(text):
    """Messages for active continuation lines under a commented-out service.

    Postfix skips comment lines, so such lines silently extend the service
    above the commented one. Each block of such lines is reported once, blamed
    on the commented-out service right above it.
    """
    lines = split_lines(text)
    problems = []
    owner = None
    commented = None  # (match, index) of the last commented-out service line
    for index, line in enumerate(lines):
        if is_continuation_line(line):
            if commented is not None:
                match, at = commented
                problems.append(
                    "master.cf line %d: the active line %r follows the commented-out "
                    "service '%s %s' (line %d); Postfix attaches it to %s instead. "
                    "Comment that line out or uncomment the service before managing "
                    "master.cf with this module."
                    % (
                        index + 1,
                        strip(line),
                        match.group(1),
                        match.group(2),
                        at + 1,
                        "the service %s above" % owner if owner else "nothing (a syntax error)",
                    )
                )
                commented = None
            continue
        if not is_ignored_line(line):
            words = split_words(line)
            owner = "%s/%s" % tuple(words[:2]) if len(words) > 1 else words[0]
            commented = None
            continue
        match = _COMMENTED_SERVICE_RE.match(line)
        if match:
            commented = (match, index)
    return problems


def _outer_group(raw):
    """True when raw is one '{...}' group (the first '{' closes at the end)."""
    depth = 0
    for index, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and index != len(raw) - 1:
                return False
    return True


def tokenize(service):
    """Split a service into tokens the way Postfix does ('{...}' groups words)."""
    active = [
        (index, line.rstrip("\n"))
        for index, line in enumerate(service.lines)
        if index == 0 or not is_ignored_line(line)
    ]
    starts = []
    content = ""
    for _index, text in active:
        starts.append(len(content))
        content += text + "\n"
    tokens = []
    pos = 0
    length = len(content)
    while pos < length:
        if is_space(content[pos]):
            pos += 1
            continue
        start = pos
        depth = 0
        while pos < length:
            char = content[pos]
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth < 0:
                    raise MasterCfError("unbalanced '}' in %r" % content[start : pos + 1])
            elif is_space(char) and depth == 0:
                break
            pos += 1
        if depth:
            raise MasterCfError("unbalanced '{' in %r" % strip(content[start:]))
        raw = content[start:pos]
        braced = raw.startswith("{") and raw.endswith("}") and _outer_group(raw)
        value = strip(raw[1:-1]) if braced else raw
        first = bisect.bisect_right(starts, start) - 1
        last = bisect.bisect_right(starts, pos - 1) - 1
        offset = start - starts[first]
        line = active[first][0] if first == last else -1
        tokens.append(Token(raw, value, braced, line, offset, offset + len(raw)))
    return tokens


def _option_from(token):
    name, sep, value = token.value.partition("=")
    if not sep:
        return None
    if token.braced:
        return strip(name), strip(value)
    return name, value


def analyse(service):
    """Tokens, -o overrides and other arguments of a service entry."""
    tokens = tokenize(service)
    if len(tokens) < 8:
        raise MasterCfError("service line %r has fewer than 8 fields" % strip(service.lines[0]))
    options = []
    args = []
    in_options = True
    index = 8
    while index < len(tokens):
        token = tokens[index]
        if in_options and not token.braced and token.value == "-o":
            parsed = _option_from(tokens[index + 1]) if index + 1 < len(tokens) else None
            if not parsed:
                follows = "nothing" if index + 1 >= len(tokens) else repr(tokens[index + 1].raw)
                raise MasterCfError(
                    "a bare '-o' is followed by %s, not by name=value; the daemon would stop with a "
                    "usage error. Remove the '-o' or complete it in master.cf" % follows
                )
            options.append(Option(parsed[0], parsed[1], [token, tokens[index + 1]]))
            index += 2
            continue
        if in_options and not token.braced and token.value.startswith("-o") and len(token.value) > 2:
            name, sep, value = token.value[2:].partition("=")
            if sep:
                options.append(Option(name, value, [token]))
                index += 1
                continue
        if not token.value.startswith("-"):
            # getopt stops at the first operand; later "-o" belong to it.
            in_options = False
        args.append(token)
        index += 1
    return ServiceView(tokens, options, args)


def option_argument(name, rendered):
    """The argument after '-o': name=value, or the 3.0+ '{ name = value }' form."""
    if any(is_space(char) for char in rendered):
        return "{ %s = %s }" % (name, rendered)
    return "%s=%s" % (name, rendered)


def command_argument(arg):
    if any(is_space(char) for char in arg):
        return "{ %s }" % arg
    return arg


@dataclass
class ServiceSpec:
    name: str
    type: str
    fields: Dict[str, str]
    command: Optional[str]
    args: Optional[List[str]]
    options: Dict[str, object]
    rendered: Dict[str, Optional[str]]
    options_mode: str
    state: str

    @property
    def key(self):
        return (self.name, self.type)

    @property
    def label(self):
        return service_label(self.key)


def _check_text(label, what, text):
    if not isinstance(text, str):
        raise ConfigValueError("service %s: %s must be a string" % (label, what))
    for char, shown in (("\n", "newline"), ("\r", "newline"), ("\x00", "NUL")):
        if char in text:
            raise ConfigValueError("service %s: %s contains a %s character" % (label, what, shown))
    if not braces_balanced(text):
        raise ConfigValueError("service %s: %s has unbalanced '{' or '}': %r" % (label, what, text))


def check_services(services):
    """Validate the task's service list; return ServiceSpec objects."""
    if not isinstance(services, list):
        raise ConfigValueError("services must be a list of dictionaries")
    specs = []
    seen = set()
    for position, item in enumerate(services):
        if not isinstance(item, dict):
            raise ConfigValueError("services[%d] must be a dictionary" % position)
        name = item.get("name")
        if (
            not isinstance(name, str)
            or not name
            or name.startswith("#")
            or any(is_space(c) for c in name)
            or not braces_balanced(name)
            or "{" in name
        ):
            raise ConfigValueError("services[%d]: invalid service name %r" % (position, name))
        stype = item.get("type") or "inet"
        label = "%s/%s" % (name, stype)
        if stype not in SERVICE_TYPES:
            raise ConfigValueError(
                "service %s: unknown type %r (expected one of %s)" % (label, stype, ", ".join(SERVICE_TYPES))
            )
        if (name, stype) in seen:
            raise ConfigValueError("service %s is listed more than once in services" % label)
        seen.add((name, stype))
        fields = {}
        for fname in FIELD_NAMES:
            value = item.get(fname)
            if value is None:
                continue
            value = str(value)
            if not _FIELD_RE[fname].match(value):
                raise ConfigValueError("service %s: invalid %s value %r" % (label, fname, value))
            fields[fname] = value
        command = item.get("command")
        if command is not None:
            _check_text(label, "command", command)
            if not strip(command) or any(is_space(c) for c in strip(command)):
                raise ConfigValueError(
                    "service %s: command must be one word (put further words in args): %r" % (label, command)
                )
            command = strip(command)
        args = item.get("args")
        if args is not None:
            if not isinstance(args, list):
                raise ConfigValueError("service %s: args must be a list" % label)
            args = [str(a) if isinstance(a, (int, float)) and not isinstance(a, bool) else a for a in args]
            for arg in args:
                _check_text(label, "argument", arg)
            args = [strip(a) for a in args if strip(a)]
            for arg in args:
                if not arg.startswith("-"):
                    break  # getopt stops at the first operand; a later -o belongs to the command
                if arg.startswith("-o"):
                    raise ConfigValueError(
                        "service %s: args must not hold -o overrides (%r); put them in options "
                        "as name: value, so that they are compared and checked" % (label, arg)
                    )
        options = item.get("options") or {}
        if not isinstance(options, dict):
            raise ConfigValueError("service %s: options must be a dictionary" % label)
        rendered = {}
        for oname, ovalue in options.items():
            check_param_name(oname, where="service %s: option" % label)
            try:
                text = render_value(oname, ovalue)
            except ConfigValueError as exc:
                raise ConfigValueError("service %s: %s" % (label, exc)) from None
            if text is not None and not braces_balanced(text):
                raise ConfigValueError(
                    "service %s: value of option %s has unbalanced '{' or '}': %r" % (label, oname, text)
                )
            rendered[oname] = text
        mode = item.get("options_mode") or "merge"
        if mode not in ("merge", "exact"):
            raise ConfigValueError("service %s: options_mode must be merge or exact, got %r" % (label, mode))
        state = item.get("state") or "present"
        if state not in ("present", "absent"):
            raise ConfigValueError("service %s: state must be present or absent, got %r" % (label, state))
        specs.append(ServiceSpec(name, stype, fields, command, args, dict(options), rendered, mode, state))
    return specs


def render_new_service(spec, indent=_DEFAULT_INDENT):
    values = [spec.fields.get(name, "-") for name in FIELD_NAMES]
    head = "%-10s %-5s %-7s %-7s %-7s %-7s %-7s %s" % (spec.name, spec.type, *values, spec.command)
    lines = [head + "\n"]
    for name, text in spec.rendered.items():
        if text is not None:
            lines.append("%s-o %s\n" % (indent, option_argument(name, text)))
    if spec.args:
        lines.append("%s%s\n" % (indent, " ".join(command_argument(a) for a in spec.args)))
    return lines


class _LineEditor:
    """Collects token splices and inserted lines for one service entry."""

    def __init__(self, service, label):
        self.service = service
        self.label = label
        self.splices: Dict[int, List[Tuple[int, int, str]]] = {}
        self.before: Dict[int, List[str]] = {}
        self.after: Dict[int, List[str]] = {}

    def _require_single_line(self, token):
        if token.line < 0:
            raise MasterCfError("service %s: cannot edit %r because it spans several lines" % (self.label, token.raw))

    def replace(self, token, text):
        self._require_single_line(token)
        self.splices.setdefault(token.line, []).append((token.start, token.end, text))

    def remove(self, token):
        self._require_single_line(token)
        line = self.service.lines[token.line]
        start = token.start
        while start > 0 and line[start - 1] in " \t":
            start -= 1
        self.splices.setdefault(token.line, []).append((start, token.end, ""))

    def insert_after_token(self, token, words, new_lines):
        self._require_single_line(token)
        rest = self.service.lines[token.line].rstrip("\n")[token.end :]
        if strip(rest):
            self.splices.setdefault(token.line, []).append((token.end, token.end, " " + " ".join(words)))
        else:
            self.after.setdefault(token.line, []).extend(new_lines)

    def insert_before_token(self, token, words, new_lines):
        self._require_single_line(token)
        head = self.service.lines[token.line][: token.start]
        if token.line > 0 and not strip(head):
            self.before.setdefault(token.line, []).extend(new_lines)
        else:
            self.splices.setdefault(token.line, []).append((token.start, token.start, " ".join(words) + " "))

    def append_lines(self, new_lines):
        self.after.setdefault(len(self.service.lines) - 1, []).extend(new_lines)

    def result(self):
        out = []
        for index, original in enumerate(self.service.lines):
            out.extend(self.before.get(index, []))
            line = original
            edits = self.splices.get(index)
            if edits:
                for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
                    line = line[:start] + text + line[end:]
                if index > 0 and not strip(line):
                    line = None
            if line is not None:
                out.append(line)
            added = self.after.get(index)
            if added:
                if out and not out[-1].endswith("\n"):
                    out[-1] += "\n"
                out.extend(added)
        return out


def _indent_of(service):
    for line in service.lines[1:]:
        if is_continuation_line(line):
            return line[: len(line) - len(line.lstrip(SPACE))]
    return _DEFAULT_INDENT


def edit_service(service, spec):
    """Return the new lines of an existing service entry for spec."""
    try:
        view = analyse(service)
    except MasterCfError as exc:
        raise MasterCfError("service %s: %s" % (spec.label, exc)) from None
    editor = _LineEditor(service, spec.label)
    for position, fname in enumerate(FIELD_NAMES):
        wanted = spec.fields.get(fname)
        if wanted is not None and view.tokens[2 + position].value != wanted:
            editor.replace(view.tokens[2 + position], wanted)
    if spec.command is not None and view.command != spec.command:
        editor.replace(view.tokens[7], spec.command)

    by_name: Dict[str, List[Option]] = {}
    for option in view.options:
        by_name.setdefault(option.name, []).append(option)

    def drop(option):
        for token in option.tokens:
            editor.remove(token)

    additions = []
    for oname, desired in spec.options.items():
        present = by_name.get(oname, [])
        if desired is None:
            for option in present:
                drop(option)
            continue
        text = spec.rendered[oname]
        if not present:
            additions.append(option_argument(oname, text))
            continue
        last = present[-1]
        if not same_meaning(last.value, desired, text):
            if len(last.tokens) == 2:
                editor.replace(last.tokens[1], option_argument(oname, text))
            else:
                editor.replace(last.tokens[0], "-o " + option_argument(oname, text))
        for option in present[:-1]:
            drop(option)
    if spec.options_mode == "exact":
        for oname, present in by_name.items():
            if oname not in spec.options:
                for option in present:
                    drop(option)

    args_replaced = spec.args is not None and [t.value for t in view.args] != spec.args
    if args_replaced:
        for token in view.args:
            editor.remove(token)

    indent = _indent_of(service)
    if additions:
        words = []
        for arg in additions:
            words.extend(["-o", arg])
        new_lines = ["%s-o %s\n" % (indent, arg) for arg in additions]
        operands = [t for t in view.args if not t.value.startswith("-")]
        if view.options:
            last_token = view.options[-1].tokens[-1]
            if (
                operands
                and args_replaced is False
                and operands[0].line == last_token.line
                and operands[0].start > last_token.end
            ):
                editor.insert_before_token(operands[0], words, new_lines)
            else:
                editor.insert_after_token(last_token, words, new_lines)
        elif operands and not args_replaced:
            editor.insert_before_token(operands[0], words, new_lines)
        else:
            editor.append_lines(new_lines)
    if args_replaced and spec.args:
        editor.append_lines(["%s%s\n" % (indent, " ".join(command_argument(a) for a in spec.args))])
    return editor.result()


@dataclass
class EditResult:
    text: str
    changed_services: List[str]


def _template_anchor(doc, key):
    """Index of the last line of the commented template for key, or None."""
    best_exact = None
    best_name = None
    index = 0
    chunks = doc.chunks
    while index < len(chunks):
        chunk = chunks[index]
        if isinstance(chunk, str):
            match = _COMMENTED_SERVICE_RE.match(chunk)
            if match and match.group(1) == key[0]:
                end = index
                while (
                    end + 1 < len(chunks)
                    and isinstance(chunks[end + 1], str)
                    and _COMMENTED_CONTINUATION_RE.match(chunks[end + 1])
                ):
                    end += 1
                if match.group(2) == key[1]:
                    best_exact = end
                else:
                    best_name = end
        index += 1
    return best_exact if best_exact is not None else best_name


def edit(text, services):
    """Apply the task's services to master.cf text; raise before any change."""
    specs = check_services(services)
    problems = find_orphaned_overrides(text)
    if problems:
        raise MasterCfError(" ".join(problems))
    doc = parse(text)
    found: Dict[Tuple[str, str], List[int]] = {}
    for index, chunk in enumerate(doc.chunks):
        if isinstance(chunk, Service):
            found.setdefault(chunk.key, []).append(index)

    replace = {}
    drop = set()
    insert_after: Dict[int, List[str]] = {}
    appended: List[str] = []
    changed = []
    for spec in specs:
        where = found.get(spec.key, [])
        if len(where) > 1:
            raise MasterCfError(
                "service %s is defined %d times in master.cf; remove the duplicates first" % (spec.label, len(where))
            )
        if spec.state == "absent":
            if where:
                drop.add(where[0])
                changed.append(spec.label)
            continue
        if not where:
            if not spec.command:
                raise ConfigValueError("service %s: command is required for a new service" % spec.label)
            new_lines = render_new_service(spec)
            anchor = _template_anchor(doc, spec.key)
            if anchor is None:
                appended.extend(new_lines)
            else:
                insert_after.setdefault(anchor, []).extend(new_lines)
            changed.append(spec.label)
            continue
        service = doc.chunks[where[0]]
        new_lines = edit_service(service, spec)
        if new_lines != service.lines:
            replace[where[0]] = Service(new_lines)
            changed.append(spec.label)

    out = []
    for index, chunk in enumerate(doc.chunks):
        if index in drop:
            # Comments inside a removed service stay, as maincf keeps them.
            out.extend(line for line in chunk.lines[1:] if is_ignored_line(line))
        else:
            kept = replace.get(index, chunk)
            out.extend(kept.lines if isinstance(kept, Service) else [kept])
        if index in insert_after:
            if out and not out[-1].endswith("\n"):
                out[-1] += "\n"
            out.extend(insert_after[index])
    if appended:
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        out.extend(appended)
    return EditResult("".join(out), changed)
