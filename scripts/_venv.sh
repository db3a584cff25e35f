# Shared by run.sh and test.sh: create .venv and install the project when pyproject.toml changed.
ensure_venv() {
  local extras="$1" marker=".venv/.installed$1"
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))'; then
    echo "MPP Digital needs Python 3.11 to 3.13 (found: $("$python" --version 2>&1))." >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  if [ ! -f "$marker" ] || [ pyproject.toml -nt "$marker" ]; then
    echo "Installing MPP Digital${extras:+ with $extras} into .venv …" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}"
    touch "$marker"
  fi
}
