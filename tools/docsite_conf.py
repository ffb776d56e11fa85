# -*- coding: utf-8 -*-
# Appended by `make docs` to the conf.py that `antsibull-docs sphinx-init`
# writes, so that the docs site builds offline and without warnings.
#
# sphinx-init's conf.py downloads the intersphinx inventories of Python,
# Jinja2 and the Ansible docs; without network each download is a warning,
# and Sphinx runs with -W.  The plugin pages only link to two labels of the
# Ansible docs (the common return values and the configuration settings), so
# the one inventory kept is a local file that tools/docsite_inventory.py
# writes, holding those labels with their docs.ansible.com addresses: the
# links of the built site still lead to the real pages.
# pylint: disable=invalid-name

intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '../ansible_devel.inv'),
}
# Never wait on the network for an inventory.
intersphinx_timeout = 1
