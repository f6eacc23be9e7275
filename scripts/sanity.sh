#!/usr/bin/env bash
# ansible-test sanity on a temporary ansible_collections/mailsec/postfix copy of the tree.
# No ignore files: every test must pass as is.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$repo/.venv}
pyver=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# ansible-test fetches get-pip from an unreachable host; put the offline stand-in in its cache.
core_ver=$("$venv/bin/python" -c 'import ansible.release as r; print(r.__version__)')
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
pip_ver=$("$venv/bin/python" - <<'PY'
import pathlib, re, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
print(re.search(r"pip='([0-9.]+)'", src.read_text()).group(1).replace(".", "_"))
PY
)
standin="$cache/get_pip_$pip_ver.py"
if ! cmp -s "$repo/scripts/get_pip_standin.py" "$standin"; then
  cp "$repo/scripts/get_pip_standin.py" "$standin"
  echo "installed offline get-pip stand-in at $standin"
fi

work=$(mktemp -d /tmp/mailsec-sanity.XXXXXX)
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/mailsec/postfix"
mkdir -p "$dest"
# committed and untracked-but-not-ignored files, exactly what a build would ship
(cd "$repo" && git ls-files -co --exclude-standard -z) | (cd "$repo" && rsync -a --from0 --files-from=- ./ "$dest/")
cd "$dest"
git init -q && git add -A && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity
echo "ansible-test sanity (ansible-core $core_ver, python $pyver) in $dest"
"$venv/bin/ansible-test" sanity --python "$pyver" --requirements --color no \
  "$@"
