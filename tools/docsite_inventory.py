# -*- coding: utf-8 -*-
"""Write the small Sphinx inventory of the Ansible docs that `make docs` uses.

usage: python tools/docsite_inventory.py PATH

The labels below are the ones the generated plugin pages and the site's own
pages (docs/docsite/index.rst) may link to with ``:ref:`label```, each with
its page on docs.ansible.com.  The Markdown guides use plain links instead,
as Galaxy renders them.  A label missing here fails `make docs` with
"undefined label", which says which one to add.  See tools/docsite_conf.py.
"""

from __future__ import annotations

import sys
import zlib

# label -> (page and anchor under the devel docs, title)
LABELS = {
    'action_plugins': ('plugins/action.html#action-plugins', 'Action plugins'),
    'ansible_collections.ansible.builtin.copy_module__parameter-src': (
        'collections/ansible/builtin/copy_module.html#parameter-src', 'src'),
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values',
                             'Return Values'),
    'module_defaults': ('playbook_guide/playbooks_module_defaults.html#module-defaults',
                        'Module defaults'),
    'check_mode_dry': ('playbook_guide/playbooks_checkmode.html#check-mode-dry',
                       'Validating tasks: check mode and diff mode'),
    'playbooks_vault': ('vault_guide/vault_using_encrypted_content.html#playbooks-vault',
                        'Using encrypted variables and files'),
}


# Ansible's configuration variables the generated pages link to with ``:envvar:``
# (the inventory_cache fragment of the inventory plugin); "envvar ... not found" names one to add.
ENVVARS = ('ANSIBLE_CACHE_PLUGIN', 'ANSIBLE_CACHE_PLUGIN_CONNECTION', 'ANSIBLE_CACHE_PLUGIN_PREFIX',
           'ANSIBLE_CACHE_PLUGIN_TIMEOUT')


def inventory():
    header = (
        '# Sphinx inventory version 2\n'
        '# Project: Ansible\n'
        '# Version: devel\n'
        '# The remainder of this file is compressed using zlib.\n'
    )
    lines = ''.join('%s std:label -1 %s %s\n' % (label, uri, title) for label, (uri, title) in sorted(LABELS.items()))
    lines += ''.join('%s std:envvar -1 reference_appendices/config.html#envvar-%s %s\n' % (name, name, name)
                     for name in ENVVARS)
    return header.encode('utf-8') + zlib.compress(lines.encode('utf-8'))


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    with open(sys.argv[1], 'wb') as handle:
        handle.write(inventory())
    return 0


if __name__ == '__main__':
    sys.exit(main())
