#!/usr/bin/env bash
# libopentok.so as an SDK program sees it: installed with cmake --install into a prefix outside
# the repository, found the SDK samples' two ways, linked from C11 and C++17, run; its exported
# symbols, soname and links; every declared otc_* function against every exported one.
#
#   check_library.sh STEP BUILD_DIR SOURCE_DIR VERSION SOVERSION STATE_FILE
#
# ctest runs one STEP per test (cpp/test/CMakeLists.txt): "install" first (a ctest fixture) makes
# a temporary directory, records it in STATE_FILE and installs there; "cleanup" removes it.
set -euo pipefail

step=$1 build_dir=$2 source_dir=$3 version=$4 soversion=$5 state_file=$6
here="$source_dir/cpp/test/library"

die() { echo "FAIL: $*" >&2; exit 1; }

if [ "$step" = install ]; then
  old=$(cat "$state_file" 2>/dev/null || true)
  if [ -n "$old" ] && [ -d "$old" ]; then rm -rf "$old"; fi
  work=$(mktemp -d "${TMPDIR:-/tmp}/otc-libopentok.XXXXXX")
  echo "$work" >"$state_file"
  cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log" || { cat "$work/install.log"; die "cmake --install"; }
  for f in "lib/libopentok.so" "lib/libopentok.so.$soversion" "lib/libopentok.so.$version" \
           "lib/pkgconfig/libopentok.pc" "include/otc/otc.h"; do
    [ -e "$work/prefix/$f" ] || die "not installed: $f"
  done
  # The public headers, all of them and nothing else.
  (cd "$source_dir/cpp/include" && find . -name '*.h' | sort) >"$work/headers.src"
  (cd "$work/prefix/include" && find . -type f | sort) >"$work/headers.installed"
  diff -u "$work/headers.src" "$work/headers.installed" || die "installed headers differ from cpp/include"
  # The consumer project leaves the repository: it sees only what the prefix offers.
  cp -r "$here/consumer" "$work/consumer-src"
  echo "installed into $work/prefix"
  exit 0
fi

if [ "$step" = cleanup ]; then
  work=$(cat "$state_file" 2>/dev/null || true)
  if [ -n "$work" ]; then rm -rf "$work"; fi
  rm -f "$state_file"
  exit 0
fi

work=$(cat "$state_file" 2>/dev/null || true)
[ -n "$work" ] && [ -d "$work/prefix" ] || die "no install (the install step did not run or failed)"
prefix=$work/prefix
lib=$prefix/lib/libopentok.so.$version

case "$step" in
symbols)
  # Only otc_* is exported: no libwebrtc, abseil, protobuf, OpenSSL or libstdc++ symbol.
  nm -D --defined-only "$lib" | awk '{print $NF}' | sort >"$work/exported.all"
  grep -q '^otc_init$' "$work/exported.all" || die "otc_init is not exported"
  if grep -v '^otc_' "$work/exported.all" >"$work/exported.leaks"; then
    head -20 "$work/exported.leaks"
    die "$(wc -l <"$work/exported.leaks") exported symbols are not otc_*"
  fi
  if grep -q '@' "$work/exported.all"; then die "exported symbols carry a version"; fi
  # Functions only: no exported variable (its layout would become ABI).
  if nm -D --defined-only "$lib" | awk '$2 != "T" {print}' | grep .; then die "exported symbols that are not functions"; fi
  # The C++ runtime is inside: the library must not need the host's.
  needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  if echo "$needed" | grep -E '^lib(stdc\+\+|gcc_s|c\+\+)\.'; then die "needs a shared C++ runtime"; fi
  # Every shared library it needs, beyond glibc's own, is in libopentok.pc's Libs.private.
  private=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --libs --static libopentok)
  for so in $needed; do
    name=${so%%.so*}
    name=${name#lib}
    case "$name" in c | m | dl | pthread | rt | ld-linux-x86-64 | ld-linux-aarch64) continue ;; esac
    echo " $private " | grep -q -- " -l$name " || die "$so is needed but not in Libs.private ($private)"
  done
  echo "$(wc -l <"$work/exported.all") symbols exported, all otc_*; NEEDED: $(echo $needed)"
  ;;

soname)
  soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ "$soname" = "libopentok.so.$soversion" ] || die "soname '$soname', expected libopentok.so.$soversion"
  [ "$(readlink "$prefix/lib/libopentok.so")" = "libopentok.so.$soversion" ] || die "libopentok.so does not link to libopentok.so.$soversion"
  [ "$(readlink "$prefix/lib/libopentok.so.$soversion")" = "libopentok.so.$version" ] || die "libopentok.so.$soversion does not link to libopentok.so.$version"
  [ -f "$lib" ] && [ ! -L "$lib" ] || die "$lib is not a file"
  if readelf -d "$lib" | grep -E '\((RPATH|RUNPATH)\)'; then die "the installed library carries a run path"; fi
  # Every symbol it uses is its own or a NEEDED library's (it is linked with --no-undefined).
  if ldd -r "$lib" 2>&1 | grep -E 'undefined symbol|not found'; then die "unresolved symbols or libraries"; fi
  echo "soname $soname; libopentok.so -> libopentok.so.$soversion -> libopentok.so.$version"
  ;;

path | pkgconfig)
  # The samples' CMakeLists convention (consumer/CMakeLists.txt): LIBOPENTOK_PATH, or pkg-config.
  out=$work/build-$step
  rm -rf "$out"
  if [ "$step" = path ]; then
    env_args=(LIBOPENTOK_PATH="$prefix" PKG_CONFIG_PATH=/nonexistent)
    how=LIBOPENTOK_PATH
  else
    env_args=(-u LIBOPENTOK_PATH PKG_CONFIG_PATH="$prefix/lib/pkgconfig")
    how=pkg-config
    # Relocatable .pc: the paths it gives are this prefix's, wherever it was installed.
    flags=$(env "${env_args[@]}" pkg-config --cflags --libs libopentok | sed 's/ *$//')
    [ "$flags" = "-I$prefix/include -L$prefix/lib -lopentok" ] || die "pkg-config gives '$flags'"
  fi
  env "${env_args[@]}" cmake -S "$work/consumer-src" -B "$out" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="${CC:-cc}" -DCMAKE_CXX_COMPILER="${CXX:-c++}" >"$out.log" 2>&1 ||
    { cat "$out.log"; die "configuring the consumer ($how)"; }
  grep -q "libopentok through $how" "$out.log" || { cat "$out.log"; die "the consumer did not find libopentok through $how"; }
  env "${env_args[@]}" cmake --build "$out" >>"$out.log" 2>&1 || { cat "$out.log"; die "building the consumer ($how)"; }
  for exe in consumer_c consumer_cxx; do
    # CMake gives the program a run path to the library's directory (by full path, or -L from
    # pkg-config's Libs): it must run as built, with no LD_LIBRARY_PATH.
    resolved=$(env -u LD_LIBRARY_PATH ldd "$out/$exe" | awk '/libopentok/ {print $3}')
    [ "$resolved" = "$prefix/lib/libopentok.so.$soversion" ] || die "$exe resolves libopentok to '$resolved'"
    env -u LD_LIBRARY_PATH "$out/$exe" >"$out.$exe.out" 2>&1 || { cat "$out.$exe.out"; die "$exe failed"; }
    grep -qx "libopentok $version" "$out.$exe.out" || { cat "$out.$exe.out"; die "$exe: otc_version() is not $version"; }
    grep -q ": ok$" "$out.$exe.out" || { cat "$out.$exe.out"; die "$exe did not finish"; }
  done
  echo "C11 and C++17 consumers built through $how and ran against libopentok $version"
  ;;

headers)
  # The declared functions: GCC's -aux-info lists every function a translation unit declares.
  inc=$prefix/include
  tu=$work/headers
  mkdir -p "$tu"
  {
    [ -f "$inc/opentok.h" ] && echo '#include <opentok.h>'
    echo '#include <otc/otc.h>'
  } >"$tu/includes.h"
  printf '#include "includes.h"\n' >"$tu/declared.c"
  gcc -std=c11 -I"$inc" -aux-info "$tu/aux.txt" -c "$tu/declared.c" -o "$tu/declared.o" || die "gcc -aux-info"
  # Lines look like "/* FILE:LINE:NC */ extern TYPE NAME (ARGS);" (C: declared, F: defined here);
  # the name is the identifier before the first parenthesis.
  grep -F "/* $inc/" "$tu/aux.txt" | grep -E ':[NO]C \*/' |
    sed -nE 's|^/\*[^*]*\*/ [^(]*[^A-Za-z0-9_](otc_[A-Za-z0-9_]+) \(.*|\1|p' | sort -u >"$tu/declared"
  [ -s "$tu/declared" ] || die "no otc_* function found in the headers"
  nm -D --defined-only "$lib" | awk '$2 == "T" {print $NF}' | sort -u >"$tu/exported"
  # Declared in the headers but not in the library yet: cpp/test/library/declared-not-exported.txt
  # (one name a line, # comments), kept honest both ways.
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/declared-not-exported.txt" | grep -v '^$' | sort -u >"$tu/pending" || true
  comm -23 "$tu/declared" "$tu/exported" >"$tu/missing"
  comm -13 "$tu/declared" "$tu/exported" >"$tu/undeclared"
  comm -23 "$tu/missing" "$tu/pending" >"$tu/missing.unlisted"
  comm -13 "$tu/missing" "$tu/pending" >"$tu/pending.stale"
  status=0
  if [ -s "$tu/missing.unlisted" ]; then echo "declared, not exported:"; sed 's/^/  /' "$tu/missing.unlisted"; status=1; fi
  if [ -s "$tu/undeclared" ]; then echo "exported, declared in no public header:"; sed 's/^/  /' "$tu/undeclared"; status=1; fi
  if [ -s "$tu/pending.stale" ]; then echo "in declared-not-exported.txt but exported or no longer declared:"; sed 's/^/  /' "$tu/pending.stale"; status=1; fi
  [ "$status" -eq 0 ] || die "headers and library disagree"
  # Every declared function by address, in strict C11 and C++17; linked, so each one declared
  # and not pending must resolve in libopentok.so.
  comm -23 "$tu/declared" "$tu/pending" >"$tu/linked"
  {
    echo '/* Generated by check_library.sh: the address of every declared otc_* function. */'
    echo '#include "includes.h"'
    echo '#include <stdio.h>'
    echo 'typedef void (*otc_any_function)(void);'
    echo '#ifdef __cplusplus'
    echo '#define OTC_ANY(f) reinterpret_cast<otc_any_function>(&f)'
    echo '#else'
    echo '#define OTC_ANY(f) ((otc_any_function)&f)'
    echo '#endif'
    echo 'static otc_any_function const functions[] = {'
    sed 's/.*/  OTC_ANY(&),/' "$tu/linked"
    echo '};'
    echo 'int main(void) {'
    echo '  size_t n = 0;'
    echo '  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; ++i) n += functions[i] != NULL;'
    echo '  printf("%zu\n", n);'
    echo '  return n == sizeof functions / sizeof functions[0] ? 0 : 1;'
    echo '}'
  } >"$tu/every_function.c"
  cp "$tu/every_function.c" "$tu/every_function.cpp"
  strict=(-Wall -Wextra -Werror -pedantic -I"$inc" -L"$prefix/lib" -lopentok)
  gcc -std=c11 "$tu/every_function.c" -o "$tu/every_function_c" "${strict[@]}" || die "C11 build of every declared function"
  g++ -std=c++17 "$tu/every_function.cpp" -o "$tu/every_function_cxx" "${strict[@]}" || die "C++17 build of every declared function"
  want=$(wc -l <"$tu/linked")
  for exe in every_function_c every_function_cxx; do
    got=$(LD_LIBRARY_PATH="$prefix/lib" "$tu/$exe") || die "$exe failed"
    [ "$got" = "$want" ] || die "$exe saw $got functions, expected $want"
  done
  echo "$(wc -l <"$tu/declared") functions declared, $(wc -l <"$tu/exported") exported, $(wc -l <"$tu/pending") pending; C11 and C++17 take every address"
  ;;

*)
  die "unknown step $step"
  ;;
esac
