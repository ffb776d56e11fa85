# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The one rule of every purge option (purge_user_tags, purge_group_tags,
    # purge_experience_groups); each option's description points here.
    DOCUMENTATION = r"""
options: {}
notes:
  - "Purge options: every C(purge_*) option follows one rule. When the option it
    purges (C(user_tags), C(group_tags) or C(experience_groups)) is left out or
    V(null), that part of the resource is not modified, even with the purge
    option set to V(true). When it is set, it is merged into the current value,
    or with the purge option V(true) replaces it; V({}) or V([]) with the purge
    option V(true) clears it."
"""
