#!/usr/bin/env bash
# The system packages the test suite needs beyond Python: one list, used by `make test` and CI.
#
#   deploy/dev/system-packages.sh            install what is missing (as root, or with sudo -n);
#                                            when that is impossible, stop at once with the command
#   deploy/dev/system-packages.sh --check    only say what is missing (exit 1 if anything is)
#
# docker-compose: tests/integration/test_compose_file.py validates docker-compose.yml.
# chromium + CJK fonts: browser tests of the web pages (Chinese text renders as boxes without).
# npm: installs axe-core, the browser tests' accessibility checker (make test: npm ci).
# poppler-utils: the monthly PDF report's test renders it (pdftoppm) and reads its Chinese text.
# make / python3-venv: `make test` creates .venv; a bare Debian 12 has neither.
set -euo pipefail

missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v make >/dev/null 2>&1 || missing+=(make)
python=$(command -v python3.11 || command -v python3 || true)
if [ -z "$python" ]; then
    missing+=(python3 python3-venv)
elif ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    missing+=(python3-venv)
fi

[ "${#missing[@]}" -eq 0 ] && exit 0

command_line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "${1:-}" = "--check" ]; then
    printf 'missing system packages: %s\n  install them with: sudo sh -c "%s"\n' "${missing[*]}" "$command_line" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    printf 'error: the tests need %s, and there is no apt-get here to install them.\n' "${missing[*]}" >&2
    printf '  install the equivalents with your package manager, then run make test again\n' >&2
    exit 1
fi
if [ "$(id -u)" = 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    printf 'error: the tests need system packages that are not installed: %s\n' "${missing[*]}" >&2
    printf '  run this once, then make test again:\n    sudo sh -c "%s"\n' "$command_line" >&2
    exit 1
fi
printf '==> installing system packages the tests need: %s\n' "${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
