#!/usr/bin/env bash
# The crash test with 1,000 SIGKILLs instead of CI's 200.
set -euo pipefail
cd "$(dirname "$0")/.."
GHISEU_CRASH_KILLS=${GHISEU_CRASH_KILLS:-1000} cargo test --locked --test crash -- --nocapture
