# shellcheck shell=bash
# Sourced by the stand-ins. countdown FILE: succeeds, and counts down, while FILE holds a number above 0.
countdown() {
  local n
  n=$(cat "$1" 2>/dev/null || echo 0)
  [ "$n" -gt 0 ] || return 1
  echo $((n - 1)) >"$1"
}
