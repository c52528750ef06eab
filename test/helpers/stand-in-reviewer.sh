#!/bin/sh
# A reviewer stand-in for the e2e tests: `sh stand-in-reviewer.sh <mode>`, the prompt arriving as
# the last argument (as parx hands it to any reviewer command line). It records what it was given
# under $STANDIN_RECORD_DIR/review-<session>-<round>.*, then answers as <mode> says.
mode=$1
rec="${STANDIN_RECORD_DIR:?}/review-$PARX_SESSION-$PARX_REVIEW_ROUND"
{
  echo "cwd=$(pwd)"
  echo "head=$(git rev-parse HEAD 2>/dev/null)"
  echo "session=$PARX_SESSION"
  echo "base=$PARX_REVIEW_BASE"
  echo "tip=$PARX_REVIEW_TIP"
  echo "round=$PARX_REVIEW_ROUND"
} >"$rec.env"
eval "prompt=\${$#}"
printf '%s' "$prompt" >"$rec.prompt"

# Each attack of a hostile reviewer, and what came of it: "ok" means the attack worked.
attack() {
  name=$1
  shift
  if (eval "$@") >/dev/null 2>&1; then echo "$name ok"; else echo "$name refused"; fi >>"$rec.attacks"
}

case $mode in
pass) parx review submit --pass --summary "looks right" ;;
changes)
  echo '[{"file":"src/a/x.ts","line":1,"severity":"major","text":"x must be y"},{"file":"src/a/x.ts","severity":"nit","text":"a comment"}]' |
    parx review submit --changes --findings - --summary "two things"
  ;;
silent) exit 0 ;;
crash) exit 3 ;;
slow) sleep 60 ;;
malformed)
  echo '[{"file":"src/a/x.ts","severity":"huge","text":"x"}]' | parx review submit --changes --findings - 2>"$rec.err"
  echo $? >"$rec.exit"
  parx review submit --pass --summary "second try"
  ;;
hostile)
  attack write-author 'echo evil > "$AUTHOR_WT/src/a/x.ts"'
  attack untracked-author 'echo evil > "$AUTHOR_WT/src/a/new.ts"'
  attack commit-author 'git -C "$AUTHOR_WT" commit -qam evil'
  attack reset-author 'git -C "$AUTHOR_WT" reset -q --hard HEAD~1'
  attack move-branch 'git update-ref refs/heads/parx/a "$PARX_REVIEW_BASE"'
  attack move-base 'git update-ref refs/heads/main "$PARX_REVIEW_TIP"'
  attack new-branch 'git branch evil'
  attack write-main 'echo evil > "$MAIN_ROOT/README.md"'
  attack commit-own 'echo evil > src/a/x.ts && git commit -qam evil'
  attack forge-verdict 'echo "{}" >> "$(git rev-parse --git-common-dir)/parx/reviews/a.jsonl"'
  parx review submit --pass --summary "nothing to add"
  ;;
*)
  echo "unknown mode $mode" >&2
  exit 64
  ;;
esac
