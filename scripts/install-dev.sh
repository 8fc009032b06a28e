#!/usr/bin/env bash
# Installs rnn_ntk with its dev tools into the active Python environment.
# neural-tangents 0.6.5 hard-requires tensorflow in its metadata but never needs it
# through rnn_ntk.interop (which stubs neural_tangents.experimental), so it is
# installed without its dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e ".[dev]"
python -m pip install -q --no-deps "neural-tangents==0.6.5"
