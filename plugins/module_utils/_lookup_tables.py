# -*- coding: utf-8 -*-
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup tables named in a parameter value: their specs, the files they read, a redacted display form.

Lookup tables are named ``type:name`` in a list parameter. Which files a table reads
follows from its type: postmap builds ``name.db`` (hash, btree), ``name.lmdb``,
``name.cdb`` or ``name.dir``/``name.pag`` (dbm, sdbm) from the source file ``name``;
texthash, regexp, pcre and cidr read ``name`` itself; the database clients read a
configuration file (which holds the database password). static: and inline: tables
carry their data, a relay password included, in the name: it is never returned.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailsec.postfix.plugins.module_utils._values import SPACE

BUILT_MAP_SUFFIXES = {
    "hash": (".db",),
    "btree": (".db",),
    "lmdb": (".lmdb",),
    "cdb": (".cdb",),
    "dbm": (".dir", ".pag"),
    "sdbm": (".dir", ".pag"),
}
DIRECT_FILE_TYPES = ("texthash", "regexp", "pcre", "cidr")
CLIENT_CONFIG_TYPES = ("ldap", "mysql", "pgsql", "sqlite", "memcache", "mongodb")
INLINE_DATA_TYPES = ("static", "inline")
COMPOSITE_TYPES = ("unionmap", "pipemap")
REDACTED = "<redacted>"


def table_specs(value):
    """The tables of a ``*_maps`` value: split on white space and commas outside ``{ }``."""
    specs, current, depth = [], [], 0
    for char in value or "":
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        if depth == 0 and (char in SPACE or char == ","):
            if current:
                specs.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        specs.append("".join(current))
    return specs


def split_table(spec):
    """(type, name) of ``type:name``; (None, spec) when the spec names no type."""
    kind, sep, name = spec.partition(":")
    if not sep or not kind or "{" in kind:
        return None, spec
    return kind.lower(), name


def _unbrace(name):
    name = name.strip(SPACE)
    if name.startswith("{") and name.endswith("}"):
        return name[1:-1]
    return name


def display_table(spec):
    """The table spec to show: the data of static:/inline: tables replaced by <redacted>."""
    kind, name = split_table(spec)
    if kind in INLINE_DATA_TYPES:
        return "%s:%s" % (kind, "{%s}" % REDACTED if name.strip(SPACE).startswith("{") else REDACTED)
    if kind == "proxy":
        return "proxy:" + display_table(name)
    if kind in COMPOSITE_TYPES:
        return "%s:{%s}" % (kind, ", ".join(display_table(inner) for inner in table_specs(_unbrace(name))))
    return spec


def table_files(spec, lookup_only=False):
    """The files a table reads (``path``, ``role``): ``source`` (postmap's input), ``map``
    (what postmap built), ``table`` (read as is) or ``config`` (a database client's file).

    ``lookup_only``: just the files a lookup opens (no ``source`` of a built map).
    """
    kind, name = split_table(spec)
    if kind == "proxy":
        return table_files(name, lookup_only)
    if kind in COMPOSITE_TYPES:
        files = []
        for inner in table_specs(_unbrace(name)):
            files.extend(table_files(inner, lookup_only))
        return files
    if kind in BUILT_MAP_SUFFIXES:
        built = [{"path": name + suffix, "role": "map"} for suffix in BUILT_MAP_SUFFIXES[kind]]
        return built if lookup_only else [{"path": name, "role": "source"}, *built]
    if kind in DIRECT_FILE_TYPES:
        return [{"path": name, "role": "table"}]
    if kind in CLIENT_CONFIG_TYPES and name.startswith("/"):
        # ldap:name without a slash names main.cf parameters (the old style), not a file
        return [{"path": name, "role": "config"}]
    return []
