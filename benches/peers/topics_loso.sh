#!/usr/bin/env bash
# The leave-one-source-out topic table: hotline and the char TF-IDF + LinearSVC peer, same split,
# same run. Usage: benches/peers/topics_loso.sh [HOTLINE_BIN] (needs ../shared or $HOTLINE_SHARED).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-target/debug/hotline}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
"$BIN" eval topics --hold-out-source all --split-dir "$DIR"
python3 benches/peers/topics_loso.py "$DIR"
