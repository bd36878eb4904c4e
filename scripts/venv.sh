# Sourced by ./omslink and ./run-tests: create .venv from the machine's Python 3.11+ and keep
# it in step with pyproject.toml and constraints.txt (reinstalling only when they change).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${OMSLINK_VENV:-$ROOT/.venv}"

ensure_venv() {
  local extras="$1" python stamp wanted
  python="$(command -v python3.11 || command -v python3)"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "omslink needs Python 3.11 or newer; found $("$python" --version)" >&2
    exit 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    "$python" -m venv "$VENV"
  fi
  wanted="$(cat "$ROOT/pyproject.toml" "$ROOT/constraints.txt" | sha256sum | cut -c1-16)-${extras:-base}"
  stamp="$VENV/.omslink-installed"
  if [ ! -f "$stamp" ] || ! grep -qx -- "$wanted" "$stamp"; then
    echo "installing omslink${extras:+ with [$extras]} into $VENV ..." >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
      -c "$ROOT/constraints.txt" -e "$ROOT${extras:+[$extras]}" >&2
    # An install with extras also satisfies the base install, and extras installed before
    # for the same files stay installed, so every one of them is recorded.
    {
      if [ -f "$stamp" ]; then grep -- "^${wanted%-*}-" "$stamp" || true; fi
      echo "$wanted"
      echo "${wanted%-*}-base"
    } | sort -u > "$stamp.new"
    mv "$stamp.new" "$stamp"
  fi
}
