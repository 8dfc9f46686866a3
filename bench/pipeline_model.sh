#!/bin/sh
# pipeline_model.sh -- make the bundle of bench/pipeline.sh and
# tests/e2e/pipelines.sh from sample frames (a small slice):
#   validate --infer-schema   -> the schema
#   normalize -f              -> the parameters (zscore per channel)
#   normalize | window WINOPTS -> features; window --print-config
#   bench/pipeline_model.py   -> StandardScaler + LogisticRegression, exported
#
#   pipeline_model.sh BIN SAMPLES.mp WORKDIR OUT.bundle [PY] -- WINDOW OPTIONS...
#
# Environment: SCHEMA_OPTS, more --infer-schema options (--margin F);
# SCHEMA_EDIT, a sed script applied to the inferred schema (what a person
# reading it would change: it knows only the slice it saw).
set -u
bin=$1 samples=$2 w=$3 out=$4; shift 4
py=/usr/bin/python3
[ "${1:-}" != "--" ] && { py=$1; shift; }
[ "${1:-}" = "--" ] && shift
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$w" || exit 73
# shellcheck disable=SC2086
"$bin/validate" -q --infer-schema ${SCHEMA_OPTS:-} -i "$samples" -o "$w/schema.inferred" || exit 70
sed "${SCHEMA_EDIT:-}" "$w/schema.inferred" > "$w/schema" || exit 70
"$bin/normalize" -q -f -i "$samples" -p "$w/params" || exit 70
"$bin/window" "$@" --print-config > "$w/window.cfg" || exit 70
"$bin/normalize" -q -p "$w/params" -i "$samples" |
    "$bin/window" -q -C "$w/window.cfg" --reject /dev/null > "$w/features.mp" || exit 70
"$py" "$here/pipeline_model.py" "$w/features.mp" "$w/schema" "$w/params" \
    "$w/window.cfg" "$out" || exit 70
