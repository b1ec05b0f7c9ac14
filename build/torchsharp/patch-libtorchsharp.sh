#!/usr/bin/env bash
# Makes TorchSharp's libLibTorchSharp.so loadable where the system libstdc++ lacks
# GLIBCXX_3.4.32 (Debian 12). Exactly one symbol needs that version:
# std::ios_base_library_init(). We (1) mark the GLIBCXX_3.4.32 requirement weak, (2) clear
# that symbol's version, and (3) add as NEEDED a tiny library that defines it.
# Usage: patch-libtorchsharp.sh <dir containing libLibTorchSharp.so> <scratch dir>
# Idempotent; does nothing where libstdc++ already provides GLIBCXX_3.4.32.
set -euo pipefail

target_dir=$1
scratch_dir=$2
library="$target_dir/libLibTorchSharp.so"
shim_name=libfedhe_glibcxx_shim.so
here=$(cd "$(dirname "$0")" && pwd)

[ -f "$library" ] || exit 0

system_libstdcxx=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
if [ -n "$system_libstdcxx" ] && grep -qa 'GLIBCXX_3\.4\.32' "$system_libstdcxx"; then
  exit 0 # a new enough libstdc++: leave TorchSharp untouched
fi

for tool in patchelf g++ readelf; do
  command -v "$tool" >/dev/null || {
    echo "patch-libtorchsharp: error: '$tool' is needed to make TorchSharp load on this system (run ./setup.sh)" >&2
    exit 1
  }
done

mkdir -p "$scratch_dir"
shim="$scratch_dir/$shim_name"
if [ ! -f "$shim" ] || [ "$here/glibcxx_shim.cpp" -nt "$shim" ]; then
  g++ -shared -fPIC -O2 -o "$shim.tmp" "$here/glibcxx_shim.cpp"
  mv "$shim.tmp" "$shim"
fi
cp -f "$shim" "$target_dir/$shim_name"

if patchelf --print-needed "$library" | grep -qx "$shim_name"; then
  exit 0 # already patched
fi

# Patch a copy and move it into place, so an interrupted build never leaves a half-patched file.
work="$library.patching"
cp -f "$library" "$work"

# (1) Elf64_Vernaux: vna_hash (4 bytes), vna_flags (2 bytes) ...; VER_FLG_WEAK = 0x2.
section_offset=$(readelf -V "$work" | awk '/Version needs section/ {getline; for (i = 1; i <= NF; i++) if ($i == "Offset:") print $(i + 1)}')
entry_offset=$(readelf -V "$work" | awk '/Name: GLIBCXX_3\.4\.32/ {sub(":", "", $1); print $1; exit}')
if [ -n "$section_offset" ] && [ -n "$entry_offset" ]; then
  flags_offset=$((section_offset + entry_offset + 4))
  printf '\x02\x00' | dd of="$work" bs=1 seek="$flags_offset" conv=notrunc status=none
fi

# (2) and (3).
patchelf --clear-symbol-version _ZSt21ios_base_library_initv "$work"
patchelf --add-needed "$shim_name" "$work"
mv -f "$work" "$library"
echo "patch-libtorchsharp: patched $library for a libstdc++ without GLIBCXX_3.4.32"
