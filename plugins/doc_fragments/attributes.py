# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Modules that change Losant: full check mode and diff mode.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying the target.
    support: full
    details:
      - Every read and comparison runs; no write is sent. The returned
        resource is the one the task would produce.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: full
    details:
      - C(before) and C(after) are in the module's own option shape; a
        password that will be set shows only as V(<new password will be set>).
"""

    # Modules that only read.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying the target.
    support: full
    details:
      - This module only reads and never reports C(changed).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: N/A
    details:
      - This module only reads.
"""

    # Every module of the losant action group (meta/runtime.yml), beside one of the above.
    ACTIONGROUP_LOSANT = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/losant.platform.losant) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - losant.platform.losant
"""
