"""The Losant API credential type (docs/awx/credential_type.yml) holds to what AWX
accepts and injects what the modules read; docs/awx/job_template.yml creates it
from that file."""

import re

import jsonschema
import pytest
import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from awx_support import AWX_HIDDEN, REPO, awx_safe_env, credential_type, inject

# The shape AWX validates a custom credential type's inputs and injectors against.
FIELD = {
    "type": "object",
    "required": ["id", "label"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^[a-zA-Z_]+[a-zA-Z0-9_]*$"},
        "label": {"type": "string"},
        "type": {"enum": ["string", "boolean"]},
        "format": {"enum": ["ssh_private_key", "url"]},
        "choices": {"type": "array", "minItems": 1, "items": {"type": "string"}, "uniqueItems": True},
        "help_text": {"type": "string"},
        "multiline": {"type": "boolean"},
        "secret": {"type": "boolean"},
        "ask_at_runtime": {"type": "boolean"},
        "default": {},
    },
}
CREDENTIAL_TYPE_SCHEMA = {
    "type": "object",
    "required": ["name", "kind", "inputs", "injectors"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "kind": {"enum": ["cloud", "net"]},
        "inputs": {"type": "object", "additionalProperties": False, "properties": {
            "fields": {"type": "array", "items": FIELD},
            "required": {"type": "array", "items": {"type": "string"}},
        }},
        "injectors": {"type": "object", "additionalProperties": False, "properties": {
            "file": {"type": "object", "patternProperties": {r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$": {
                "type": "string"}}, "additionalProperties": False},
            "env": {"type": "object", "patternProperties": {"^[a-zA-Z_]+[a-zA-Z0-9_]*$": {
                "type": "string", "pattern": "^[\x00-\x7F]*$"}}, "additionalProperties": False},
            "extra_vars": {"type": "object"},
        }},
    },
}
APP = "5f6a7b8c9d0e1f2a3b4c5d6e"


class PlaybookLoader(yaml.SafeLoader):
    """YAML as Ansible reads it, for what this suite looks at: !unsafe is a plain string."""


PlaybookLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def _connection_env_names():
    """The environment variables the modules' connection options fall back to."""
    text = (REPO / "plugins" / "module_utils" / "_connection_options.py").read_text()
    return set(re.findall(r'env_fallback, \["(LOSANT_[A-Z_]+)"\]', text))


def test_it_is_a_credential_type_awx_accepts():
    cred_type = credential_type()
    jsonschema.validate(cred_type, CREDENTIAL_TYPE_SCHEMA)
    fields = cred_type["inputs"]["fields"]
    ids = [field["id"] for field in fields]
    assert len(ids) == len(set(ids)) and "tower" not in ids
    assert set(cred_type["inputs"]["required"]) <= set(ids)
    for field in fields:
        if field.get("type", "string") != "string":
            assert not set(field) & {"choices", "multiline", "format", "secret"}, field["id"]
    # Every template names only defined fields (AWX renders them with every field set to test this).
    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for name, template in cred_type["injectors"]["env"].items():
        assert not name.startswith("ANSIBLE_"), name
        strict.from_string(template).render(**dict((key, "EXAMPLE") for key in ids))


def test_the_token_is_a_secret_field_and_required():
    fields = dict((field["id"], field) for field in credential_type()["inputs"]["fields"])
    assert fields["api_token"].get("secret") is True
    assert not any(field.get("secret") for key, field in fields.items() if key != "api_token")
    assert {"api_token", "application_id"} <= set(credential_type()["inputs"]["required"])


def test_it_injects_every_connection_variable_the_modules_read():
    env = inject(credential_type(), {"api_token": "tok-1", "application_id": APP, "api_url": "https://losant.example"})
    assert env == {"LOSANT_API_TOKEN": "tok-1", "LOSANT_APPLICATION_ID": APP, "LOSANT_API_URL": "https://losant.example"}
    assert set(env) == _connection_env_names()


@pytest.mark.parametrize("api_url", [None, ""])
def test_a_credential_without_an_api_url_gets_losants(api_url):
    """AWX leaves an input the credential does not set out of the templates' namespace: an
    empty LOSANT_API_URL would fail every task ("api_url must start with http")."""
    inputs = {"api_token": "tok-1", "application_id": APP}
    if api_url is not None:
        inputs["api_url"] = api_url
    assert inject(credential_type(), inputs)["LOSANT_API_URL"] == "https://api.losant.com"


def test_awx_stores_the_job_environment_without_the_token():
    """AWX hides a variable in the job environment it keeps by its name: the token's name must match."""
    env = inject(credential_type(), {"api_token": "tok-1", "application_id": APP})
    stored = awx_safe_env(env)
    assert stored["LOSANT_API_TOKEN"] == AWX_HIDDEN
    assert stored["LOSANT_APPLICATION_ID"] == APP


def test_the_job_template_example_creates_the_type_from_this_file():
    plays = yaml.load((REPO / "docs" / "awx" / "job_template.yml").read_text(), Loader=PlaybookLoader)
    tasks = [task for play in plays for task in play["tasks"]]
    creating = [task for task in tasks if "awx.awx.credential_type" in task]
    assert len(creating) == 1
    assert "credential_type.yml" in plays[0]["vars"]["losant_credential_type"]
    for key in ("name", "kind", "inputs", "injectors"):
        assert creating[0]["awx.awx.credential_type"][key] == "{{ losant_credential_type.%s }}" % key
    credentials = [task for task in tasks if "awx.awx.credential" in task]
    assert credentials and all(task.get("no_log") is True for task in credentials)
    assert set(credentials[0]["awx.awx.credential"]["inputs"]) <= set(
        field["id"] for field in credential_type()["inputs"]["fields"])
