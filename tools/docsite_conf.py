# -*- coding: utf-8 -*-
# Appended by `make docs` to the conf.py that `antsibull-docs sphinx-init`
# writes.  The site's front page is docs/docsite/index.rst (sphinx-init
# --index-rst-source), and its guides are the Markdown files of docs/, copied
# next to it; this addition makes Sphinx read them, and makes the site build
# offline and without warnings.
#
# Markdown: myst-parser, the Markdown parser of Sphinx (tests/requirements-docs.txt
# pins it).  The guides are plain Markdown, as Galaxy's documentation tab
# renders them; links between them name the other file (`authentication.md`)
# and, for a section, its heading's anchor (`authentication.md#token-scopes`),
# which myst_heading_anchors turns into Sphinx references.
#
# Offline: sphinx-init's conf.py downloads the intersphinx inventories of
# Python, Jinja2 and the Ansible docs; without network each download is a
# warning, and Sphinx runs with -W.  The plugin pages only link to two labels
# of the Ansible docs (the common return values and the configuration
# settings), so the one inventory kept is a local file that
# tools/docsite_inventory.py writes, holding those labels with their
# docs.ansible.com addresses: the links of the built site still lead to the
# real pages.
# pylint: disable=invalid-name,undefined-variable

extensions.append('myst_parser')  # noqa: F821 (defined by the conf.py this is appended to)
source_suffix = {
    '.rst': 'restructuredtext',
    '.md': 'markdown',
}
# GitHub-style anchors for the headings of levels 1 to 3, the ones the guides link to.
myst_heading_anchors = 3

intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '../ansible_devel.inv'),
}
# Never wait on the network for an inventory.
intersphinx_timeout = 1
