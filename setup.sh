#!/usr/bin/env bash
# Installs what FederatedHe needs on a fresh Debian/Ubuntu machine, then builds the solution.
#   ./setup.sh          install and build
#   ./setup.sh --demo   install, build and run the demo (the encrypted federation, 4 hospitals)
set -euo pipefail
cd "$(dirname "$0")"

run_demo=false
[ "${1:-}" = "--demo" ] && run_demo=true

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Native tools: g++ and patchelf make TorchSharp's native library load where the system
# libstdc++ is older than GLIBCXX_3.4.32 (Debian 12); readelf comes with binutils.
missing=()
for tool in g++:g++ patchelf:patchelf readelf:binutils; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool##*:}")
done
# PostgreSQL's server binaries: the tests start a throw-away server to check the journal that multi-machine
# deployments use (the federation itself needs none; it journals to SQLite by default).
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
# Debian's Chromium: the monitor dashboard's end-to-end test drives it headless through Playwright, which is never
# allowed to download a browser of its own.
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null || ! dotnet --list-sdks | grep -q '^10\.'; then
  echo "setup: error: the .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)" >&2
  exit 1
fi

dotnet build FederatedHe.sln -c Release -nologo -v quiet -clp:ErrorsOnly
echo "setup: built FederatedHe (Release)"

if $run_demo; then
  dotnet run -c Release --no-build --project src/Host -- demo
fi
