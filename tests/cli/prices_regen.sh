#!/bin/sh
# The embedded price table is what scripts/update-prices generates from the pinned dataset:
# nobody edits prices by hand. Regenerates it with `npm pack` of the pinned package and
# compares byte for byte. Skipped (exit 77) only when node or npm is missing or the npm
# registry cannot be reached; any difference fails.
set -u
src=${OKSTRA_SOURCE_ROOT:?OKSTRA_SOURCE_ROOT must be set}
for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed"
    exit 77
  fi
done
. "$src/scripts/prices/dataset.env"
# shellcheck disable=SC2154  # set by dataset.env
if ! npm view "$dataset_package@$version_pin" version >/dev/null 2>&1; then
  echo "SKIP: the npm registry cannot be reached (npm view $dataset_package@$version_pin failed)"
  exit 77
fi
if bash "$src/scripts/update-prices" --check; then
  echo "ok: include/okstra/token_usage/detail/price_data.hpp is what $dataset_package@$version_pin generates"
  exit 0
fi
echo "FAIL: the committed price table differs from the generated one (run scripts/update-prices)"
exit 1
