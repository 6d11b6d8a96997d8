#!/usr/bin/env bash
# Fails if the nn crate defines a backward (VJP) rule of its own: every
# gradient in tapegrad-nn must come from the core's differentiable ops.
#
# Flagged: `fn vjp`, `fn backward`, `fn grad_fn`, an `impl ... CustomOp`, and
# custom primitives applied with `tape.custom(` / `.custom(` / `Tape::custom`.
# Calls such as `loss.backward()` are fine: they use the core's rules.
#
# Usage: .ci/check-no-backward.sh [DIR]   (default: crates/tapegrad-nn/src)
set -euo pipefail
cd "$(dirname "$0")/.."

src="${1:-crates/tapegrad-nn/src}"
if [[ ! -d "$src" ]]; then
    echo "check-no-backward: no directory $src" >&2
    exit 2
fi
if [[ -z "$(find "$src" -name '*.rs' -print -quit)" ]]; then
    echo "check-no-backward: no .rs files under $src" >&2
    exit 2
fi

pattern='\bfn[[:space:]]+(vjp|backward|grad_fn)\b'
pattern+='|\bimpl\b.*\bCustomOp\b'
pattern+='|\.[[:space:]]*custom[[:space:]]*(::<.*>)?[[:space:]]*\('
pattern+='|\bTape[[:space:]]*(::<.*>)?[[:space:]]*::[[:space:]]*custom\b'

status=0
matches="$(grep -rnE --include='*.rs' "$pattern" "$src")" || status=$?
case "$status" in
    0)
        echo "nn defines backward rules of its own (every gradient must come from the core):"
        echo "$matches"
        exit 1
        ;;
    1)
        echo "nn defines no backward rules"
        ;;
    *)
        echo "check-no-backward: grep failed with status $status" >&2
        exit 2
        ;;
esac
