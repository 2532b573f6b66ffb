#!/usr/bin/env bash
# Runs exactly what CI runs, so a green local run means a green CI run.
exec bash "$(dirname "$0")/../.ci/run"
