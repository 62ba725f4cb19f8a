#!/bin/sh
# okstra-prepare when the worktree registry cannot be written after 'git
# worktree add' ran, because its folder is read-only: the rollback undoes the
# worktree and the branch, leaves the intent row for the next run, and the
# same prepare succeeds once the folder is writable (docs/worktrees.md, "Crash
# safety"). Root ignores file modes, so as root the whole run happens as
# nobody on copies in a folder nobody can reach (tests/cli/lib.sh,
# reach_nobody); tests/cli/prepare.sh covers the same rollback with a busy
# registry lock, which works for any user.
set -eu
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
if ! reach_nobody "$OKSTRA_BUILD_ROOT/okstra-prepare"; then skip "$nobody_why"; fi
mkdir -p "$reach/share/okstra" "$reach/run/hooks"
cp -R "$OKSTRA_SOURCE_ROOT/templates" "$reach/share/okstra/templates"
box="$reach/run"
export OKSTRA_HOME="$box/home" HOME="$box" OKSTRA_SKIP_INSTALL_CHECK=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
unset OKSTRA_WORKTREE_SYNC_DIRS OKSTRA_TEST_PAUSE_AT OKSTRA_TEST_RESUME_FILE || true
# A post-checkout hook (git runs it inside 'git worktree add') leaves a marker
# and, on request, makes the registry's folder read-only (500, not 555: okstra
# tightens a lock folder open to others back to 0700).
cat >"$box/hooks/post-checkout" <<HOOK
#!/bin/sh
touch "$box/worktree-added"
[ -f "$box/make-registry-readonly" ] && chmod 500 "$OKSTRA_HOME/worktrees"
exit 0
HOOK
chmod +x "$box/hooks/post-checkout"
new_repo "$box/blocked"
git -C "$box/blocked" config core.hooksPath "$box/hooks"
[ "$(id -u)" -eq 0 ] && chown -R 65534:65534 "$box"
prepare() {
  set +e
  as_nobody "$reach/bin/okstra-prepare" --project-root "$box/blocked" --task-key b/g/t \
    --task-type error-analysis --base-ref main -c >"$work/out" 2>"$work/err"
  rc=$?
  set -e
}
row_status() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['entries'].get(sys.argv[2], {}).get('status', 'none'))" \
  "$OKSTRA_HOME/worktrees/registry.json" "$1"; }
git_snapshot() { { as_nobody git -C "$box/blocked" worktree list --porcelain; as_nobody git -C "$box/blocked" branch -a; } | cksum; }

# A first prepare of another key creates the registry and its folder.
set +e
as_nobody "$reach/bin/okstra-prepare" --project-root "$box/blocked" --task-key b/g/first \
  --task-type error-analysis --base-ref main -c >"$work/out" 2>"$work/err"
rc=$?
set -e
check "a first prepare as the unprivileged user succeeds" [ "$rc" = 0 ]
check "...and wrote the registry" [ -s "$OKSTRA_HOME/worktrees/registry.json" ]
rm -f "$box/worktree-added"
before=$(git_snapshot)
as_nobody touch "$box/make-registry-readonly"
prepare
chmod 700 "$OKSTRA_HOME/worktrees"
rm -f "$box/make-registry-readonly"
check "unwritable registry after 'git worktree add' exits 3" [ "$rc" = 3 ]
check "git had added the worktree" [ -e "$box/worktree-added" ]
check "the error names the registry folder" grep -q "worktrees" "$work/err"
check "rollback: git worktrees and branches unchanged" [ "$(git_snapshot)" = "$before" ]
check "rollback: no worktree folder" [ ! -e "$OKSTRA_HOME/worktrees/b/g/t" ]
check "rollback: the intent row stays" [ "$(row_status 'b+g+t')" = provisioning ]
prepare
check "with the registry writable again the same prepare succeeds" [ "$rc" = 0 ]
check "...and the row is active" [ "$(row_status 'b+g+t')" = active ]
finish
