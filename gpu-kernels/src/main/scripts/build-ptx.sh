#!/usr/bin/env bash
# Builds the PTX of every kernel family (gpu-kernels/src/main/kernels/<family>.c, for compute
# capability 7.5, and the CUDA-only <family>.cu, for 8.0: tensor cores) with nvcc and compares
# it with the PTX kept in gpu-kernels/src/main/resources/dev/ember/gpu/ptx/, which the CUDA
# runtime loads from the jar (so machines without nvcc can build Ember).
#
#   build-ptx.sh            check: exit 1 listing the files that differ or are missing
#   build-ptx.sh --update   write the kept PTX
#
# Without nvcc on the PATH the check is skipped (exit 0). The PTX holds no paths or timestamps:
# nvcc runs in the kernels directory on relative names, so the output depends on the sources and
# the nvcc version only (the version is in the PTX's header comment), as long as no kernel has
# a static inside a static function (nvcc salts those names with the absolute path; rejected).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module="$(cd "$here/../../.." && pwd)"
kernels="$module/src/main/kernels"
kept="$module/src/main/resources/dev/ember/gpu/ptx"

update=0
case "${1:-}" in
  --update) update=1 ;;
  "") ;;
  *) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac

if ! command -v nvcc >/dev/null 2>&1; then
  echo "build-ptx.sh: nvcc is not on the PATH; the check of the kept PTX against src/main/kernels is skipped"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
stamps="$module/target/ptx-check"
nvcc_version="$(nvcc --version | tail -1)"

# The source of a family: <family>.c (portable) or <family>.cu (CUDA only).
source_of() {
  if [ -f "$kernels/$1.c" ]; then echo "$1.c"; elif [ -f "$kernels/$1.cu" ]; then echo "$1.cu"; fi
}

# What the check of one family depends on.
stamp() {
  cat "$kernels/$(source_of "$1")" "$kernels"/*.h "$kept/$1.ptx" 2>/dev/null \
    | sha256sum | cut -d' ' -f1
  echo "$nvcc_version"
}

shopt -s nullglob
sources=("$kernels"/*.c "$kernels"/*.cu)
if [ ${#sources[@]} -eq 0 ]; then
  echo "build-ptx.sh: no kernel sources in $kernels" >&2
  exit 1
fi

stale=()
for src in "${sources[@]}"; do
  name="$(basename "$src")"
  family="${name%.*}"
  if [ $update -eq 0 ] && [ -f "$kept/$family.ptx" ] && [ -f "$stamps/$family" ] \
      && [ "$(stamp "$family")" = "$(cat "$stamps/$family")" ]; then
    continue
  fi
  case "$name" in
    *.c) (cd "$kernels" && nvcc -x cu -ptx -arch=compute_75 -O3 -o "$tmp/$family.ptx" "$name") ;;
    *.cu) (cd "$kernels" && nvcc -ptx -arch=compute_80 -O3 -o "$tmp/$family.ptx" "$name") ;;
  esac
  # nvcc names the statics of a file-static function _INTERNAL_<hash of the absolute path>:
  # such PTX matches only in the checkout that wrote it.
  if grep -q '_INTERNAL_' "$tmp/$family.ptx"; then
    echo "build-ptx.sh: $family.ptx has names salted with the source's path (_INTERNAL_...): a" \
      "__shared__ or static variable inside a static function of $name; drop that 'static'" >&2
    exit 1
  fi
  if [ $update -eq 1 ]; then
    mkdir -p "$kept"
    if ! cmp -s "$tmp/$family.ptx" "$kept/$family.ptx"; then
      cp "$tmp/$family.ptx" "$kept/$family.ptx"
      echo "build-ptx.sh: wrote $family.ptx"
    fi
  elif [ ! -f "$kept/$family.ptx" ]; then
    stale+=("$family.ptx (missing)")
  elif ! cmp -s "$tmp/$family.ptx" "$kept/$family.ptx"; then
    stale+=("$family.ptx (differs from $name)")
  else
    mkdir -p "$stamps"
    stamp "$family" > "$stamps/$family"
  fi
done

# A kept PTX without a source would be loaded for a family that no longer exists.
for ptx in "$kept"/*.ptx; do
  family="$(basename "$ptx" .ptx)"
  if [ -z "$(source_of "$family")" ]; then
    if [ $update -eq 1 ]; then
      rm "$ptx"
      echo "build-ptx.sh: removed $family.ptx (no $family.c)"
    else
      stale+=("$family.ptx (no $family.c)")
    fi
  fi
done

if [ ${#stale[@]} -gt 0 ]; then
  echo "build-ptx.sh: the kept PTX in src/main/resources/dev/ember/gpu/ptx is out of date:" >&2
  for s in "${stale[@]}"; do
    echo "  $s" >&2
  done
  echo "run gpu-kernels/src/main/scripts/build-ptx.sh --update (with nvcc $(nvcc --version | grep -o 'release [0-9.]*'))" >&2
  exit 1
fi
[ $update -eq 1 ] || echo "build-ptx.sh: the kept PTX matches src/main/kernels (${#sources[@]} families)"
