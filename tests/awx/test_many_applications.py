"""One job over many applications, as AWX runs it: the applications inventory as the
job's inventory source, the Losant credential's token in the environment, forks 5,
through ansible-runner; the first job changes every application, the second none."""

import ansible_runner
import yaml

from awx_support import AUDIT, TOKEN, emulator_writes, job_env, private_data_dir
from losant_emulator import Emulator

PLAY = [{
    "name": "The same support user in every application",
    "hosts": "losant_applications",
    "connection": "local",
    "gather_facts": False,
    "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
    "module_defaults": {"group/losant.platform.losant": {"application_id": "{{ losant_application_id }}"}},
    "tasks": [{"name": "The support user", "losant.platform.experience_user": {
        "email": "support@example.com", "password": "Many-Apps-" + TOKEN[-16:], "first_name": "Support"}}],
}]


def test_one_job_over_every_application_with_forks(tmp_path, awx_figures):
    AUDIT.add("Many-Apps-" + TOKEN[-16:])
    emulator = Emulator(tokens={TOKEN: ["all.User"]}).start()
    try:
        emulator.seed({"applications": [{"name": "Customer %02d" % index} for index in range(8)]})
        # The credential type injects the token; the inventory source reads it from the same variable.
        env = job_env(emulator.url, emulator.application_id)
        del env["LOSANT_APPLICATION_ID"]  # each host names its own application
        pdd = private_data_dir(tmp_path / "pdd", {"site.yml": PLAY}, write_env=False)
        source = pdd / "inventory" / "applications.losant.yml"
        (pdd / "inventory" / "hosts").unlink()
        source.write_text(yaml.safe_dump({"plugin": "losant.platform.applications", "api_url": emulator.url}))
        changed = []
        for ident in ("many-1", "many-2"):
            seq = emulator.requests()["last_seq"]
            run = ansible_runner.run(private_data_dir=str(pdd), playbook="site.yml", ident=ident, envvars=env,
                                     inventory=str(source), forks=5, suppress_env_files=True, quiet=True)
            assert (run.status, run.rc) == ("successful", 0), run.stdout.read()[-3000:]
            assert sorted(run.stats["ok"]) == ["customer_%02d" % index for index in range(8)] + \
                ["emulated_application"]
            changed.append((sum(run.stats["changed"].values()), len(emulator_writes(emulator, seq))))
        awx_figures.append(("9 applications, forks 5", changed[0][0], changed[1][0]))
        assert changed == [(9, 9), (0, 0)]
        for application in emulator.applications.by_id.values():
            assert [user["email"] for user in application.store.users.values()] == ["support@example.com"]
    finally:
        emulator.stop()
