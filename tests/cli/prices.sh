#!/bin/sh
# okstra-usage prices end to end through the real binary: the `prices` listing
# and its exit codes, service tiers priced in a report (Claude fast mode, Codex
# priority), unpriced tokens named and warned about, config.json overrides (and
# remembered reports that follow them), --prices files of both formats, and
# `prices update` with a real curl: file:// and local files, an unreachable
# URL, an invalid download, a corrupt cache (docs/usage.md, "Prices").
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-usage"
data="$OKSTRA_SOURCE_ROOT/tests/data/usage/prices"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home" HOME="$work/user" TZ=UTC
mkdir -p "$HOME" "$OKSTRA_HOME" "$work/claude/projects/p" "$work/codex/sessions/2026/11/20"
none="$work/none"
mkdir -p "$none"
claude() { "$bin" daily --json --tz UTC --source claude --claude-dir "$work/claude" "$@"; }

# ---- the listing ---------------------------------------------------------------------------
run "$bin" prices claude-opus-4-7-20260101 gpt-5-4 us.anthropic.claude-opus-4-6-v1:0
check "prices of known ids: exit 0" [ "$rc" = 0 ]
check "prices names the entry each id maps to" grep -q '^claude-opus-4-7-20260101 -> claude-opus-4-7  (anthropic)' "$work/out"
check "prices maps the dashed gpt-5-4 to gpt-5.4" grep -q '^gpt-5-4 -> gpt-5.4  (openai)' "$work/out"
check "prices shows the fast multiplier" grep -q 'tiers: fast x6' "$work/out"
version=$(sed -n 's/^version_pin=//p' "$OKSTRA_SOURCE_ROOT/scripts/prices/dataset.env")
check "prices names the dataset and its version" grep -q "^prices: @pydantic/genai-prices $version of 20" "$work/out"

run "$bin" prices --json gpt-5.5
check "prices --json: exit 0" [ "$rc" = 0 ]
got=$(json_field "$work/out" "d['dataset']['name'], d['dataset']['version'], d['dataset']['origin'], d['models'][0]['entry'], d['models'][0]['tiers']['priority'], d['models'][0]['prices'][-1]['steps'][0]['input']")
check "prices --json: dataset, entry, tier and step ($got)" \
  [ "$got" = "@pydantic/genai-prices $version embedded gpt-5.5 2.5 10" ]

run "$bin" prices no-such-model-9 claude-opus-4-7
check "an unpriced model: exit 1" [ "$rc" = 1 ]
check "an unpriced model: the others are still shown" grep -q '^claude-opus-4-7 -> claude-opus-4-7' "$work/out"
check "an unpriced model: one error line naming it" grep -q "^okstra-usage: error: no price for 'no-such-model-9'" "$work/err"

run "$bin" prices --json
check "prices lists every entry" [ "$(json_field "$work/out" "len(d['models'])")" -gt 200 ]

# ---- tiers in a report ---------------------------------------------------------------------
# Two requests of 1M input tokens on claude-opus-4-7 ($5 per million), one in fast mode (6x).
line() { # line ID MODEL SPEED
  printf '{"type":"assistant","timestamp":"2026-11-20T10:00:0%sZ","sessionId":"s1","requestId":"r%s","cwd":"/p","message":{"id":"m%s","model":"%s","role":"assistant","usage":{"input_tokens":1000000,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0%s}}}\n' \
    "$1" "$1" "$1" "$2" "$3"
}
{
  line 1 claude-opus-4-7 ''
  line 2 claude-opus-4-7 ',"speed":"fast"'
} >"$work/claude/projects/p/s1.jsonl"
run claude --no-cache
check "tiers: the report runs" [ "$rc" = 0 ]
check "tiers: a fast-mode request costs 6x the standard one (5 + 30 USD)" [ "$(json_field "$work/out" "d['totals']['costUsd']")" = 35 ]

# A Codex session that switches to priority processing: gpt-5.5 at 2.5x for the second row
# (200,000 input tokens a row, below the 272,000-token step).
rollout=$work/codex/sessions/2026/11/20/rollout-2026-11-20T10-00-00-aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa.jsonl
row() { # row TIME CUMULATIVE
  printf '{"timestamp":"%s","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":%s,"cached_input_tokens":0,"output_tokens":0,"reasoning_output_tokens":0,"total_tokens":%s},"last_token_usage":{"input_tokens":200000,"cached_input_tokens":0,"output_tokens":0,"reasoning_output_tokens":0,"total_tokens":200000},"model_context_window":272000}}}\n' \
    "$1" "$2" "$2"
}
{
  echo '{"timestamp":"2026-11-20T10:00:00Z","type":"session_meta","payload":{"id":"aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa","cwd":"/p","originator":"codex_cli_rs","cli_version":"0.99.0"}}'
  echo '{"timestamp":"2026-11-20T10:00:01Z","type":"turn_context","payload":{"cwd":"/p","model":"gpt-5.5","effort":"medium"}}'
  row 2026-11-20T10:01:00Z 200000
  echo '{"timestamp":"2026-11-20T10:02:00Z","type":"event_msg","payload":{"type":"thread_settings_applied","thread_settings":{"model":"gpt-5.5","service_tier":"priority"}}}'
  row 2026-11-20T10:03:00Z 400000
} >"$rollout"
run "$bin" daily --json --tz UTC --source codex --codex-dir "$work/codex" --no-cache
check "tiers: a priority Codex row costs 2.5x (1 + 2.5 USD)" [ "$(json_field "$work/out" "d['totals']['costUsd']")" = 3.5 ]

# ---- unpriced tokens and overrides ---------------------------------------------------------
line 3 in-house-model '' >>"$work/claude/projects/p/s1.jsonl"
run claude
check "unpriced: the report still succeeds" [ "$rc" = 0 ]
check "unpriced: JSON names the model with its tokens" \
  [ "$(json_field "$work/out" "d['unpricedModels']")" = "[{'model': 'in-house-model', 'tokens': 1000000}]" ]
check "unpriced: a warning over 1% of the tokens shown" grep -q "^okstra-usage: warning: 33.3% of the tokens shown have no price (in-house-model)" "$work/err"
run "$bin" daily --tz UTC --source claude --claude-dir "$work/claude"
check "unpriced: the table's footer names it" grep -q "note: no price for in-house-model (1,000,000 tokens)" "$work/out"
check "unpriced: the warning again from the remembered report" grep -q "33.3% of the tokens shown have no price" "$work/err"

printf '{"prices": {"overrides": {"in-house-model": {"input": 2}, "claude-opus-4-7": {"input": 4}}}}\n' >"$OKSTRA_HOME/config.json"
run claude
check "overrides: the remembered report is not reused, the prices changed" \
  [ "$(json_field "$work/out" "d['totals']['costUsd'], d['unpricedModels']")" = "30 []" ]
check "overrides: no warning once priced" [ ! -s "$work/err" ]
run "$bin" prices --json in-house-model
check "overrides: prices shows the override" \
  [ "$(json_field "$work/out" "d['models'][0]['provider'], d['models'][0]['overridden']")" = "override True" ]

printf '{"prices": {"overrides": {"in-house-model": {"input": "two"}}}}\n' >"$OKSTRA_HOME/config.json"
run claude
check "a malformed override: exit 3 naming config.json and the field" \
  sh -c "[ $rc = 3 ] && grep -q \"config.json'.*prices.overrides.in-house-model.input\" '$work/err'"
rm "$OKSTRA_HOME/config.json"

# ---- --prices FILE ------------------------------------------------------------------------
run "$bin" prices --json --prices "$data/genai_small.json" acme-l
check "--prices in the genai-prices format" \
  [ "$(json_field "$work/out" "d['models'][0]['entry'], d['dataset']['origin'].startswith('file ')")" = "acme-large True" ]
run "$bin" prices --prices "$data/litellm_small.json" claude-opus-4-7
check "--prices in the LiteLLM format keeps its fast multiplier" grep -q 'tiers: fast x6' "$work/out"
run "$bin" prices --prices "$data/truncated.json" claude-opus-4-7
check "--prices with a malformed file: exit 3 naming it" sh -c "[ $rc = 3 ] && grep -q 'truncated.json' '$work/err'"

# ---- prices update -------------------------------------------------------------------------
# A LiteLLM file that doubles claude-opus-4-7's input price.
cat >"$work/new-prices.json" <<'EOF'
{"claude-opus-4-7": {"input_cost_per_token": 1e-05, "output_cost_per_token": 2.5e-05,
                     "provider_specific_entry": {"fast": 6.0}},
 "in-house-model": {"input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06}}
EOF
cache=$OKSTRA_HOME/cache/prices.json
if command -v curl >/dev/null 2>&1; then
  run "$bin" prices update --from "file://$work/new-prices.json"
  check "update from a file:// URL: exit 0" [ "$rc" = 0 ]
  check "update: stored in cache/prices.json" [ -f "$cache" ]
  check "update: reports its dataset" [ "$(json_field "$work/out" "d['dataset'], d['models']")" = "LiteLLM 2" ]
  run "$bin" prices --json claude-opus-4-7
  check "update: the refreshed prices are used (newer than the embedded ones)" \
    [ "$(json_field "$work/out" "d['dataset']['origin'].startswith('cache '), d['models'][0]['prices'][0]['input']")" = "True 10" ]
  run claude
  check "update: reports price with it (10 + 60 + 1 USD)" [ "$(json_field "$work/out" "d['totals']['costUsd']")" = 71 ]
  sed 's/"input_cost_per_token": 1e-05/"input_cost_per_token": 2e-05/' "$work/new-prices.json" >"$work/newer-prices.json"
  run "$bin" prices update --from "file://$work/newer-prices.json"
  run claude
  check "update: a second download the same day is not hidden by a remembered report (20 + 120 + 1 USD)" \
    [ "$(json_field "$work/out" "d['totals']['costUsd']")" = 141 ]

  cp "$cache" "$work/cache.before"
  run "$bin" prices update --from "http://127.0.0.1:9/prices.json"
  check "update from an unreachable URL: exit 3" [ "$rc" = 3 ]
  check "update from an unreachable URL: a clear error" grep -q "^okstra-usage: error: cannot download prices from 'http://127.0.0.1:9/prices.json'" "$work/err"
  check "update from an unreachable URL: the old prices are kept" cmp -s "$cache" "$work/cache.before"
  printf '{"not": "prices"}\n' >"$work/junk.json"
  run "$bin" prices update --from "file://$work/junk.json"
  check "update with a file that holds no prices: exit 3, old prices kept" \
    sh -c "[ $rc = 3 ] && cmp -s '$cache' '$work/cache.before'"
else
  skip_part "curl is not installed: the file:// and unreachable-URL updates did not run"
fi
run "$bin" prices update --from "$data/genai_small.json"
check "update from a local file: exit 0" [ "$rc" = 0 ]
run "$bin" prices acme-l
check "update from a local file: its prices are used" grep -q '^acme-l -> acme-large' "$work/out"
printf '{"okstraPrices": 1, "fetched": "2099-01-01T00:00:00Z", "data": [' >"$cache"
run claude
check "a corrupt refreshed cache: the report still runs on the embedded prices" \
  [ "$rc.$(json_field "$work/out" "d['totals']['costUsd']")" = 0.35 ]
check "a corrupt refreshed cache: one warning naming it" grep -q "^okstra-usage: warning: ignoring the refreshed prices '.*prices.json'" "$work/err"

finish
