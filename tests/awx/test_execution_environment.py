"""The execution environment: `ansible-builder create` on docs/execution-environment.yml
writes a build context whose Containerfile installs the collection (and
ansible-runner), and whose introspection step, run here on the installed
collection as the image build runs it, installs requests. Building the image
itself needs a container engine, which `make test` does not assume."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

from awx_support import REPO

BUILDER = str(Path(sys.executable).parent / "ansible-builder")
EE_DEFINITION = REPO / "docs" / "execution-environment.yml"


def _create(tmp_path, definition):
    context = tmp_path / "context"
    done = subprocess.run([BUILDER, "create", "-f", str(definition), "--context", str(context),
                           "--output-filename", "Containerfile"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return context


def test_the_build_context_installs_the_collection_and_the_runner(tmp_path):
    context = _create(tmp_path, EE_DEFINITION)
    containerfile = (context / "Containerfile").read_text()
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert [entry["name"] for entry in requirements["collections"]] == ["losant.platform"]
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    install_refs = [line for line in containerfile.splitlines() if line.startswith("ARG ANSIBLE_INSTALL_REFS=")]
    assert install_refs and "ansible-runner" in install_refs[0] and "ansible-core>=2.18" in install_refs[0]
    # The Python packages of the installed collections come from the introspection step.
    assert "introspect.py introspect --write-bindep=/tmp/src/bindep.txt --write-pip=/tmp/src/requirements.txt" \
        in containerfile


def test_the_image_build_would_install_requests_for_the_collection(tmp_path):
    """The build context's own introspect.py, on the collection as `ansible-galaxy collection install`
    lays it out (the installed tree), finds the collection's requirements.txt."""
    context = _create(tmp_path, EE_DEFINITION)
    collections_root = os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)[0]
    pip_file = tmp_path / "requirements.txt"
    done = subprocess.run([sys.executable, str(context / "_build" / "scripts" / "introspect.py"), "introspect",
                           collections_root, "--write-pip", str(pip_file), "--write-bindep", str(tmp_path / "bindep")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    wanted = [line for line in pip_file.read_text().splitlines() if line.strip()]
    assert wanted == ["requests>=2.25.0  # from collection losant.platform"]
    own = (REPO / "requirements.txt").read_text().split()
    assert "requests>=2.25.0" in own


def test_the_collection_declares_its_python_requirements_to_ansible_builder():
    meta = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    assert meta["dependencies"]["python"] == "requirements.txt"
