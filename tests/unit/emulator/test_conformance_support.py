"""conformance_support itself: it finds the contract, or skips (or fails, when
required) without it; it validates and resolves the schemas' definition refs."""

import pytest

from ansible_collections.losant.platform.tests import conformance_support as cs
from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import APP


def test_missing_contract_skips_or_fails_when_required(monkeypatch, tmp_path):
    monkeypatch.setattr(cs, "SHARED_API_DIR", tmp_path / "absent")
    monkeypatch.setattr(cs, "SCHEMAS_DIR", tmp_path / "absent" / "schemas")
    monkeypatch.delenv(cs.REQUIRED_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        cs.require_shared_api()
    assert str(tmp_path / "absent") in str(skipped.value) and cs.REQUIRED_ENV in str(skipped.value)
    monkeypatch.setenv(cs.REQUIRED_ENV, "1")
    with pytest.raises(pytest.fail.Exception):
        cs.require_shared_api()
    with pytest.raises(pytest.fail.Exception):
        cs.schema("experienceUser")


def test_support_validates_and_resolves_definition_refs():
    cs.require_shared_api()
    assert cs.SHARED_API_DIR.name == "losant-api" and (cs.SCHEMAS_DIR / "experienceUser.json").is_file()
    cs.validate("experienceUser.json", {"id": "5f6a7b8c9d0e1f2a3b4c5d6e", "creationDate": "2026-01-01T00:00:00.000Z"})
    with pytest.raises(AssertionError) as err:
        cs.validate("experienceUser", {"creationDate": "2026-01-01", "email": "nope"})
    assert "creationDate" in str(err.value) and "email" in str(err.value)
    # nested $or/$and items use "#/definitions/advancedExperienceUserQuery": resolved to the root
    cs.validate("advancedExperienceUserQuery", {"$or": [{"$and": [{"email": "a"}]}]})
    assert cs.problems("advancedExperienceUserQuery", {"$or": [{"$and": [{"nope": "a"}]}]})
    problems = cs.check_exchange({"seq": 1, "method": "POST", "status": 201, "query": {},
                                  "path": "/applications/%s/experience/users" % APP,
                                  "body": {"email": "a@b.co"}, "response": {"id": "zz"}})
    assert any("request" in p and "password" in p for p in problems)
    assert any("response" in p and "id" in p for p in problems)
