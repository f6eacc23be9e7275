# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The attributes every module of the collection shares: writers (default) and readers."""

    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
"""

    READ_ONLY = r"""
attributes:
  check_mode:
    description: Reads only, and runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing is changed, so there is nothing to diff.
    support: none
  platform:
    description: Debian 12 (Postfix 3.7) and Debian 13 (Postfix 3.10) are tested.
    platforms: debian
    support: full
"""
