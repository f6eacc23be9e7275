# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse, edit and render Postfix main.cf text.

parse() keeps every input line verbatim, so render(parse(text)) == text and an
edit touches only the lines of the parameters it changes. Pure functions,
standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ansible_collections.mailsec.postfix.plugins.module_utils._values import (
    ConfigValueError,
    check_param_name,
    is_space,
    render_value,
    same_meaning,
    strip,
)

# ASCII white space only, as Postfix reads it (see _values.SPACE).
_ASSIGN_RE = re.compile(r"^([^= \t\n\v\f\r]+)[ \t\n\v\f\r]*=[ \t\n\v\f\r]*(.*?)[ \t\n\v\f\r]*$", re.DOTALL)


def split_lines(text):
    """Split text into lines that keep their '\\n' (only '\\n' ends a line)."""
    if not text:
        return []
    lines = text.split("\n")
    result = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        result.append(lines[-1])
    return result


def is_ignored_line(line):
    """Blank, whitespace-only and comment lines carry no configuration."""
    stripped = strip(line)
    return not stripped or stripped.startswith("#")


def is_continuation_line(line):
    return is_space(line[:1]) and not is_ignored_line(line)


@dataclass
class Entry:
    """One logical line: an assignment (name set) or malformed text (name None).

    lines holds the physical lines verbatim, including comment or blank lines
    that sit between continuation lines (Postfix skips those).
    """

    name: Optional[str]
    lines: List[str]

    @property
    def value(self):
        if self.name is None:
            return None
        first = _ASSIGN_RE.match(self.lines[0].rstrip("\n"))
        parts = [first.group(2)]
        parts.extend(strip(line) for line in self.lines[1:] if not is_ignored_line(line))
        return " ".join(part for part in parts if part)


@dataclass
class MainCf:
    """chunks: Entry objects and loose lines (comments, blanks, orphans)."""

    chunks: list = field(default_factory=list)

    def render(self):
        out = []
        for chunk in self.chunks:
            if isinstance(chunk, Entry):
                out.extend(chunk.lines)
            else:
                out.append(chunk)
        return "".join(out)

    def entries(self, name):
        return [c for c in self.chunks if isinstance(c, Entry) and c.name == name]

    def effective_values(self):
        """name -> value as Postfix reads it (the last definition wins)."""
        values = {}
        for chunk in self.chunks:
            if isinstance(chunk, Entry) and chunk.name is not None:
                values[chunk.name] = chunk.value
        return values


def group_logical_lines(text, start_entry):
    """Chunks of a Postfix configuration text: raw lines (comments, blanks, orphan
    continuations) and entries made by ``start_entry(first_line)``, each holding its
    continuation lines in ``.lines``. Postfix skips comments between continuation lines,
    so such comments stay with the entry they sit in."""
    chunks = []
    pending = []
    current = None
    for line in split_lines(text):
        if is_ignored_line(line):
            pending.append(line)
            continue
        if is_space(line[:1]):
            if current is not None:
                current.lines.extend(pending)
                current.lines.append(line)
            else:
                chunks.extend(pending)
                chunks.append(line)
            pending = []
            continue
        chunks.extend(pending)
        pending = []
        current = start_entry(line)
        chunks.append(current)
    chunks.extend(pending)
    return chunks


def _start_entry(line):
    match = _ASSIGN_RE.match(line.rstrip("\n"))
    return Entry(match.group(1) if match else None, [line])


def parse(text):
    doc = MainCf()
    doc.chunks = group_logical_lines(text, _start_entry)
    return doc


def render(doc):
    return doc.render()


def assignment_line(name, rendered):
    if rendered:
        return "%s = %s\n" % (name, rendered)
    return "%s =\n" % name


@dataclass
class EditResult:
    text: str
    changed_params: List[str]
    removed_duplicates: List[str]


def check_params(params):
    """Validate names and values; return name -> rendered text (or None)."""
    if not isinstance(params, dict):
        raise ConfigValueError(
            "params must be a dictionary of parameter names to values, got %s" % type(params).__name__
        )
    rendered = {}
    for name, value in params.items():
        check_param_name(name)
        rendered[name] = render_value(name, value)
    return rendered


def edit(text, params):
    """Apply params (name -> desired value, None removes) to main.cf text.

    Raises ConfigValueError before changing anything when an input is bad.
    """
    rendered = check_params(params)
    doc = parse(text)
    positions: Dict[str, List[int]] = {}
    for index, chunk in enumerate(doc.chunks):
        if isinstance(chunk, Entry) and chunk.name is not None:
            positions.setdefault(chunk.name, []).append(index)

    replace = {}
    drop = set()
    appended = []
    changed_params = []
    removed_duplicates = []
    for name, value in params.items():
        found = positions.get(name, [])
        if value is None:
            if found:
                drop.update(found)
                changed_params.append(name)
            continue
        new_line = assignment_line(name, rendered[name])
        if not found:
            appended.append(new_line)
            changed_params.append(name)
            continue
        last = doc.chunks[found[-1]]
        if not same_meaning(last.value, value, rendered[name]):
            kept_comments = [line for line in last.lines[1:] if is_ignored_line(line)]
            replace[found[-1]] = Entry(name, [new_line, *kept_comments])
            changed_params.append(name)
        if len(found) > 1:
            drop.update(found[:-1])
            removed_duplicates.append(name)

    chunks = []
    for index, chunk in enumerate(doc.chunks):
        if index in drop:
            # Comments inside a removed definition stay, as loose lines.
            chunks.extend(line for line in chunk.lines[1:] if is_ignored_line(line))
            continue
        chunks.append(replace.get(index, chunk))
    new_text = MainCf(chunks).render()
    if appended:
        if new_text and not new_text.endswith("\n"):
            new_text += "\n"
        new_text += "".join(appended)
    return EditResult(new_text, changed_params, removed_duplicates)
