#!/usr/bin/env bash
# Sourced: makes the Python venv .build/test-python with the PyPI tools the tests and the
# labs run (prometheus-client's parser, the sushy-emulator Redfish BMC), when missing,
# and exports CONTINUUM_PYTHON. Nothing system-wide changes.
python_env=.build/test-python
if [ ! -x "$python_env/bin/python3" ]; then python3 -m venv "$python_env"; fi
if [ ! -x "$python_env/bin/sushy-emulator" ] || ! "$python_env/bin/python3" -c "import prometheus_client" 2>/dev/null; then
  "$python_env/bin/pip" install --quiet --disable-pip-version-check prometheus-client sushy-tools
fi
export CONTINUUM_PYTHON="$PWD/$python_env/bin/python3"
