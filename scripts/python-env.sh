#!/usr/bin/env bash
# Sourced: makes the Python venv .build/test-python with the PyPI tools the tests and the
# labs run (prometheus-client's parser, the sushy-emulator Redfish BMC, pycdlib to read ISO
# images; for the chart tests pytest, helm-python-sdk to render the chart, kubernetes-validate
# and yamllint to check what it renders; pyone, OpenNebula's official client, to check the
# OpenNebula stand-in), when missing, and exports CONTINUUM_PYTHON.
# Nothing system-wide changes.
python_env=.build/test-python
if [ ! -x "$python_env/bin/python3" ]; then python3 -m venv "$python_env"; fi
if ! "$python_env/bin/python3" -c "import prometheus_client, sushy_tools, pycdlib, pytest, helm_python, kubernetes_validate, yamllint, check_jsonschema, pyone" 2>/dev/null; then
  "$python_env/bin/pip" install --quiet --disable-pip-version-check prometheus-client sushy-tools pycdlib \
    pytest helm-python-sdk kubernetes-validate yamllint check-jsonschema pyone
fi
export CONTINUUM_PYTHON="$PWD/$python_env/bin/python3"
