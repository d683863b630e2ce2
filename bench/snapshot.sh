#!/usr/bin/env bash
# A checkout of another commit for the paired A/Bs (ab.ts's `engine`, app-ab.ts's --a/--b), with no
# install of its own: `bench/snapshot.sh <commit> <dir>` writes the commit's tree into <dir> and
# links this checkout's installed packages into it, except the workspace's own (@tasker-ts/tasker),
# which is linked to the snapshot's packages/tasker. Linking node_modules whole would hand the
# snapshot's app this checkout's engine.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: bench/snapshot.sh <commit> <dir>" >&2; exit 2; }
rev=$1
dir=$2
here=$(cd "$(dirname "$0")/.." && pwd)
[ ! -e "$dir" ] || [ -z "$(ls -A "$dir")" ] || { echo "snapshot: $dir exists and is not empty" >&2; exit 2; }
mkdir -p "$dir/node_modules/@tasker-ts"
git -C "$here" archive "$rev" | tar -x -C "$dir"
for entry in "$here"/node_modules/* "$here"/node_modules/.bin; do
  [ "$(basename "$entry")" = "@tasker-ts" ] || ln -s "$entry" "$dir/node_modules/"
done
ln -s ../../packages/tasker "$dir/node_modules/@tasker-ts/tasker"
echo "snapshot of $(git -C "$here" rev-parse --short "$rev") in $dir"
