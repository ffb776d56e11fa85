# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: applications
short_description: Losant applications as inventory hosts
version_added: 2.0.0
description:
  - One inventory host per Losant application that a user or organization API token can see
    (C(GET /applications), every page), with the application's id, name, owner, summary counts
    and globals as host variables, so that one play manages many applications, O(ignore:forks) at a time.
  - >-
    Every host is in the group C(losant_applications). Run plays on them with C(connection: local)
    and give the modules the host's application with
    C(module_defaults: {group/losant.platform.losant: {application_id: "{{ losant_application_id }}"}}).
  - The inventory file's name must end in C(losant.yml) or C(losant.yaml).
  - The selection (O(org_id), O(name)) is sent to Losant and checked again on what it answers, so a
    proxy that drops a query parameter cannot add applications to the inventory.
  - An application API token cannot list applications (Losant answers 403); the plugin says so.
author:
  - Losant Platform Collection Maintainers (@losant-platform)
requirements:
  - requests >= 2.25.0 (on the controller)
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin; must be V(losant.platform.applications).
    type: str
    required: true
    choices: [losant.platform.applications]
  api_token:
    description:
      - A Losant user or organization API token with one of the scopes C(all.User), C(all.User.read),
        C(all.Organization), C(all.Organization.read) or C(applications.get).
      - The same token reaches the experience users and groups of every application it lists, so the
        modules of a play over this inventory can use it too (E(LOSANT_API_TOKEN)).
      - It never appears in the inventory, its cache, or any message, at any verbosity.
    type: str
    required: true
    env:
      - name: LOSANT_API_TOKEN
  api_url:
    description: Base URL of the Losant REST API.
    type: str
    default: https://api.losant.com
    env:
      - name: LOSANT_API_URL
  org_id:
    description:
      - Only the applications of this organization (its id).
      - An empty string selects only the applications the token's user owns.
      - Left out, every application the token can see.
    type: str
  name:
    description:
      - Only the applications whose name matches this glob (V(*) matches any run of characters, the
        rest is literal, ignoring case), e.g. V(Acme *).
    type: str
  hostnames:
    description:
      - V(name) names each host by its application's name, made safe for Ansible (lower case, runs of
        characters other than letters, digits, V(_), V(.) and V(-) made one V(_)); where two applications
        would get the same name, both get their id after it.
      - V(id) names each host by its application id.
    type: str
    choices: [name, id]
    default: name
  validate_certs:
    description: Whether to verify the TLS certificate of O(api_url).
    type: bool
    default: true
  ca_path:
    description: A PEM file of the certificate authorities to trust for O(api_url).
    type: path
  timeout:
    description: Seconds to wait for each answer.
    type: float
    default: 30
  retries:
    description: How often a request is repeated after a 502, 503, 504 or a connection failure.
    type: int
    default: 5
"""

EXAMPLES = r"""
# applications.losant.yml: every application the token can see, in groups by owner type and
# organization; the token comes from LOSANT_API_TOKEN.
plugin: losant.platform.applications
keyed_groups:
  - key: losant_owner_type
    prefix: owner
  - key: losant_organization_name | default('personal', true)
    prefix: org
groups:
  staging: "'staging' in losant_application_name | lower"
compose:
  losant_environment: losant_globals.environment | default('production')

---
# acme.losant.yml: one organization's applications named "Acme *", cached for an hour.
plugin: losant.platform.applications
org_id: 5b0000000000000000000001
name: Acme *
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/losant-inventory
cache_timeout: 3600
"""

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.losant.platform.plugins.plugin_utils._applications import (
    APPLICATIONS_PATH, host_names, host_vars, listing_params, selected)

from ansible_collections.losant.platform.plugins.module_utils._connection_options import connection_errors, tls_verify

try:
    from ansible_collections.losant.platform.plugins.module_utils._client import LosantClient
    from ansible_collections.losant.platform.plugins.module_utils._transport import LosantApiError
except ImportError as exc:  # requests is missing
    LosantClient = None
    IMPORT_ERROR = exc
else:
    IMPORT_ERROR = None

GROUP = "losant_applications"
REFUSED = ("Losant refused to list the applications: listing them needs a user or organization API token "
           "(scope all.User, all.User.read, all.Organization, all.Organization.read or applications.get); "
           "an application API token reaches only its own application. ")


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "losant.platform.applications"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("losant.yml", "losant.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        applications = None
        if use_cache:
            try:
                applications = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if applications is None:
            applications = self._list_applications()
        if update_cache:
            self._cache[cache_key] = applications
        self._populate(applications)

    def _list_applications(self):
        if IMPORT_ERROR is not None:
            raise AnsibleParserError("losant.platform.applications needs the Python library requests on the "
                                     "controller: %s" % to_native(IMPORT_ERROR))
        # The modules' own rules for these options.
        params = dict((key, self.get_option(key)) for key in ("api_token", "api_url", "timeout", "retries"))
        params["api_token"] = params["api_token"] or ""
        errors = connection_errors(params)
        if errors:
            raise AnsibleParserError("; ".join(errors))
        org_id, name = self.get_option("org_id"), self.get_option("name")
        client = LosantClient(params["api_url"], params["api_token"], None,
                              validate_certs=tls_verify(self.get_option("validate_certs"), self.get_option("ca_path")),
                              timeout=params["timeout"], retries=params["retries"])
        try:
            listed = client.list_all(APPLICATIONS_PATH, listing_params(org_id, name))
        except LosantApiError as exc:
            prefix = REFUSED if exc.status in (401, 403) and exc.error_type else ""
            if exc.status == 401:
                prefix = "Losant did not accept the API token (is it revoked, or for another Losant?). "
            raise AnsibleParserError(prefix + client.redact(to_native(exc)))
        return selected(listed, org_id, name)

    def _populate(self, applications):
        strict = self.get_option("strict")
        self.inventory.add_group(GROUP)
        names = host_names(applications, self.get_option("hostnames"))
        for app in sorted(applications, key=lambda item: names[item["id"]]):
            host = names[app["id"]]
            self.inventory.add_host(host, group=GROUP)
            variables = host_vars(app)
            for key, value in variables.items():
                self.inventory.set_variable(host, key, value)
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)
