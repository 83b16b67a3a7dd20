#!/usr/bin/env bash
# Checks that arrows between the layers of src/ point downward only (docs/architecture.md): every
# symbol a layer's object files use from another layer must come from a layer it may use, and
# every global symbol has its layer's prefix. It reads the object files of a build (nm), so it
# sees real calls, not just #include lines.
# Usage: scripts/check_layers.sh BUILD_DIR   (a configured and built tree, e.g. build)
set -euo pipefail
build=${1:?usage: check_layers.sh BUILD_DIR}
objs="$build/CMakeFiles"
[ -d "$objs" ] || { echo "check_layers: no object files under $objs" >&2; exit 2; }

# layer -> the layers it may use (itself always). "gen" is the generated schema tables.
declare -A may=(
  [util]=""
  [syntax]="util"
  [gen]="util syntax gql"
  [gql]="util syntax gen"
  [store]="util syntax gql gen"
  [auth]="util store"
  [feed]="util syntax gql gen auth store"
  [proto]="util syntax gql gen auth feed"
  [http]="util syntax gql gen auth store feed"
  [net]="util"
  [app]="util syntax gql gen auth store feed proto http net"
  [cli]="util syntax gql gen auth store feed proto http net app"
  [main]="util syntax gql gen auth store feed proto http net app cli"
)

layer_of() { # object path -> layer name
  case "$1" in
    */src/gql/syntax/*) echo syntax ;;
    */generated/graphiql_assets*) echo http ;; # GraphiQL's files, embedded for http_graphiql.c
    */generated/*) echo gen ;;
    */src/main.c.o) echo main ;;
    */src/*/*) local p=${1#*/src/}; echo "${p%%/*}" ;;
    *) echo "" ;;
  esac
}

mapfile -t files < <(find "$objs" -path '*/rt_*.dir/*' -name '*.o' -o -path '*/blobhub-realtime.dir/*' -name '*.o' | sort)
declare -A def_layer
for f in "${files[@]}"; do
  l=$(layer_of "$f"); [ -n "$l" ] || continue
  while read -r sym; do def_layer[$sym]=$l; done < <(nm --defined-only -g "$f" | awk '$2 ~ /[TDBR]/ {print $3}')
done

bad=0
for f in "${files[@]}"; do
  l=$(layer_of "$f"); [ -n "$l" ] || continue
  allowed=" $l ${may[$l]-} "
  while read -r sym; do
    d=${def_layer[$sym]-}
    [ -n "$d" ] || continue # libc and the libraries
    if [[ "$allowed" != *" $d "* ]]; then
      echo "layer violation: ${f#"$objs"/} ($l) uses $sym from $d"
      bad=1
    fi
  done < <(nm --undefined-only -g "$f" | awk '{print $2}')
done
# Each global symbol carries its layer's prefix (util: rt_; the GraphQL syntax and the generated
# tables: gql_; main.c: none), so a name says where it lives.
for f in "${files[@]}"; do
  l=$(layer_of "$f"); [ -n "$l" ] || continue
  case $l in util) want=rt ;; syntax|gen) want=gql ;; main) continue ;; *) want=$l ;; esac
  while read -r sym; do
    # __wrap_*: a linker --wrap replacement, whose name the linker dictates.
    case $sym in "${want}"_*|__odr_asan*|__asan*|__wrap_*) ;; *)
      echo "prefix: ${f#"$objs"/} ($l) defines $sym, which lacks the ${want}_ prefix"; bad=1 ;;
    esac
  done < <(nm --defined-only -g "$f" | awk '$2 ~ /[TDBR]/ {print $3}')
done
[ $bad = 0 ] && echo "layers: every arrow points downward, every symbol in the layer its prefix names"
exit $bad
