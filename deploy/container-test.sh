#!/bin/sh
# Build the nba-ml image and test it in real containers (podman, runc): one command.
# What it checks: tests/system/test_containers.py; see "Containers" in deploy/README.md.
# As root, with: apt-get install podman runc debootstrap
# The Debian base image it builds is kept (localhost/nba-ml-base:<suite>): later runs are faster.
# Usage: deploy/container-test.sh [pytest options]
set -eu
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
[ -x "$python" ] || python=python3
NBA_ML_CONTAINER_TEST=1 exec "$python" -m pytest -p no:cacheprovider -rs -s \
    tests/system/test_containers.py "$@"
