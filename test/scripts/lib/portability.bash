# shellcheck shell=bash
# A static check of the developer scripts for what breaks on a stock Mac: bash 3.2 (/bin/bash on macOS) and the
# BSD tools. Each finding is printed as "FILE:LINE: what (fix)". Comment lines are skipped. It reads the code, so it
# finds the patterns below and nothing else: it does not run anything under bash 3.2.
#
#   rp::portability::empty_arrays FILE...  "${a[@]}" / ${a[*]} of an array that may be empty: under set -u,
#                                          bash 3.2 (and every bash before 4.4) calls that an unbound variable.
#                                          An array counts as never empty only when every assignment to it in
#                                          the file is a literal list whose first word is not an expansion, and
#                                          it is not filled by read -a or mapfile. Guarded forms pass:
#                                          ${a[@]+"${a[@]}"}, ${a[*]:-x}, ${a[*]-x}, ${#a[@]}.
#   rp::portability::bash4 FILE...         bash 4+ features (mapfile, associative arrays, ${x,,}, |&, &>>, local -n,
#                                          [[ -v, wait -n, {fd}> redirections, ;& ...; EPOCHREALTIME unless the
#                                          file tests for it with ${EPOCHREALTIME:-} first)
#   rp::portability::gnu_tools FILE...     GNU-only tool flags and tools macOS lacks (sed -i, date +%N, readlink -f,
#                                          grep -P, base64 -d, nc -w, timeout, stat -c, xargs -r, find -printf,
#                                          sha256sum without a shasum fallback, setsid/flock/nproc/getent
#                                          unless the line tests for them with command -v, ...)

# The patterns: extended regular expressions (grep -E) and what to do instead, separated by a tab.
rp::portability::_bash4_patterns() {
  cat <<'PATTERNS'
(^|[^[:alnum:]_])(mapfile|readarray)[[:space:]]	bash 4: read lines in a while-read loop
(declare|local|typeset)[[:space:]]+-[a-zA-Z]*A	bash 4: associative arrays; use two indexed arrays or a case
\$\{[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?(,,?|\^\^?)\}	bash 4: case conversion; use tr
\|&	bash 4: use 2>&1 |
&>>	bash 4: use >>FILE 2>&1
(declare|local|typeset)[[:space:]]+-[a-zA-Z]*n[[:space:]]	bash 4.3: namerefs; use printf -v or eval
\[\[[[:space:]]+-v[[:space:]]	bash 4.2: [[ -v ]]; use [[ -n "${x+set}" ]]
wait[[:space:]]+-n	bash 4.3: wait -n
(^|[[:space:]])[0-9]*\{[A-Za-z_][A-Za-z0-9_]*\}[<>]	bash 4.1: {fd}> redirection; use a fixed fd
(declare|local|typeset)[[:space:]]+-[a-zA-Z]*g	bash 4.2: declare -g
\$\{[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?@[QEPAaUuLK]\}	bash 4.4: ${x@Q}-style operators
\$\{[A-Za-z_][A-Za-z0-9_]*\[-[0-9]+\]\}	bash 4.3: negative subscripts; use ${a[${#a[@]}-1]}
;;&|;&[[:space:]]*$	bash 4: case fall-through
(^|[[:space:]])coproc[[:space:]]	bash 4: coproc
shopt[[:space:]]+-s[[:space:]]+(globstar|lastpipe|inherit_errexit|direxpand|autocd)	bash 4+: shopt option
printf[[:space:]]+(-v[[:space:]]+[A-Za-z_]+[[:space:]]+)?['"]?%\(	bash 4.2: printf %(...)T; use date
PATTERNS
}

rp::portability::_gnu_patterns() {
  cat <<'PATTERNS'
(^|[^[:alnum:]_-])sed[[:space:]]+(-[a-zA-Z]*i|--in-place)	sed -i: BSD sed needs -i ''; write to a temp file and mv
(^|[^[:alnum:]_-])sed[[:space:]]+(-[a-zA-Z]*r|--regexp-extended)	sed -r: use sed -E
(^|[^[:alnum:]_-])date[[:space:]][^|;&]*(%N|[[:space:]]-d[[:space:]]|--date)	date +%N / -d: GNU only; use date +%s (or SECONDS)
(^|[^[:alnum:]_-])readlink[[:space:]]+-[a-zA-Z]*[fem]	readlink -f: GNU only (macOS < 12.3); cd "$(dirname ...)" && pwd
(^|[^[:alnum:]_-])grep[[:space:]]+(-[a-zA-Z]*P|--perl)	grep -P: GNU only; use grep -E
(^|[^[:alnum:]_-])base64[[:space:]]+(-[a-zA-Z]*d([[:space:]]|$))	base64 -d: -D on older macOS; use base64 --decode
(^|[^[:alnum:]_-])nc[[:space:]][^|;&]*-[a-zA-Z]*w	nc -w: BSD nc does not bound the connect; use a killed /dev/tcp child
(^|[^[:alnum:]_.-])timeout[[:space:]]+[0-9]	timeout: not on macOS; poll with SECONDS and kill
(^|[^[:alnum:]_-])stat[[:space:]]+(-[a-zA-Z]*c|--format|--printf)	stat -c: BSD stat uses -f
(^|[^[:alnum:]_-])xargs[[:space:]]+(-[a-zA-Z]*r|--no-run-if-empty)	xargs -r: not BSD; guard the input
(^|[^[:alnum:]_-])find[[:space:]][^|;&]*-printf	find -printf: GNU only
(^|[^[:alnum:]_-])mktemp[[:space:]]+(--|-[a-zA-Z]*t[[:space:]]+[^-])	mktemp --suffix/-t: differ on BSD; use mktemp -d
(^|[^[:alnum:]_-])tac([[:space:]]|$)	tac: not on macOS; use tail -r or awk
(^|[^[:alnum:]_-])wc[[:space:]]+-[a-zA-Z]*L	wc -L: GNU only
(^|[^[:alnum:]_-])head[[:space:]]+-n[[:space:]]*-[0-9]	head -n -N: GNU only
(^|[^[:alnum:]_-])du[[:space:]]+-[a-zA-Z]*b	du -b: GNU only
(^|[^[:alnum:]_-])cp[[:space:]]+(-[a-zA-Z]*t|--target)	cp -t: GNU only
(gensub|strftime|systime|asort|PROCINFO)\(	gawk only: macOS has BSD awk
PATTERNS
}

# Prints FILE with its comment lines blanked (line numbers stay), for grep -n.
rp::portability::_blanked() {
  awk '{ if ($0 ~ /^[[:space:]]*#/) print ""; else print }' "$1"
}

# Prints the comment-free lines of FILE as "LINE<TAB>TEXT".
rp::portability::_code() {
  awk '!/^[[:space:]]*#/ { printf "%d\t%s\n", NR, $0 }' "$1"
}

rp::portability::_grep() {
  local patterns="$1"
  shift
  local file pattern why hit
  for file in "$@"; do
    while IFS=$'\t' read -r pattern why; do
      [[ -n "${pattern}" ]] || continue
      while IFS= read -r hit; do
        [[ -n "${hit}" ]] && printf '%s:%s: %s\n' "${file}" "${hit%%:*}" "${why}"
      done < <(rp::portability::_blanked "${file}" | grep -nE -- "${pattern}" || true)
    done <<<"${patterns}"
  done
}

rp::portability::bash4() {
  rp::portability::_grep "$(rp::portability::_bash4_patterns)" "$@"
  local file hit
  for file in "$@"; do
    # EPOCHREALTIME/EPOCHSECONDS are bash 5. Fine in a file that tests for them first, with a fallback
    # (redispair::process::now: [[ -n "${EPOCHREALTIME:-}" ]], else date +%s).
    grep -qE '\$\{EPOCH(REALTIME|SECONDS):?[-+]' "${file}" && continue
    while IFS= read -r hit; do
      [[ -n "${hit}" ]] && printf '%s:%s: %s\n' "${file}" "${hit%%:*}" "bash 5: use SECONDS or date +%s, or test [[ -n \"\${EPOCHREALTIME:-}\" ]] first"
    done < <(rp::portability::_blanked "${file}" | grep -nE 'EPOCH(REALTIME|SECONDS)' || true)
  done
}

rp::portability::gnu_tools() {
  rp::portability::_grep "$(rp::portability::_gnu_patterns)" "$@"
  local file hit
  for file in "$@"; do
    # sha256sum is GNU coreutils; macOS has shasum -a 256. Fine when the file falls back to shasum.
    grep -q 'shasum' "${file}" && continue
    while IFS= read -r hit; do
      [[ -n "${hit}" ]] && printf '%s:%s: %s\n' "${file}" "${hit%%:*}" "sha256sum: not on macOS; fall back to shasum -a 256"
    done < <(rp::portability::_blanked "${file}" | grep -nE '(^|[^[:alnum:]_-])(sha256sum|md5sum)([[:space:]]|$)' || true)
  done
  # Tools a Mac lacks. A line that tests for the tool with `command -v TOOL` is the guard itself (for example
  # `command -v setsid >/dev/null && detach=setsid`, with nohup otherwise), so it passes.
  local tool text
  for file in "$@"; do
    for tool in nproc setsid flock getent; do
      while IFS= read -r hit; do
        [[ -n "${hit}" ]] || continue
        text="${hit#*:}"
        [[ "${text}" =~ command[[:space:]]+-v[[:space:]]+${tool}([[:space:]]|$) ]] && continue
        printf '%s:%s: %s\n' "${file}" "${hit%%:*}" "${tool}: not on macOS; test for it with command -v and fall back"
      done < <(rp::portability::_blanked "${file}" | grep -nE "(^|[^[:alnum:]_-])${tool}([[:space:]]|$)" || true)
    done
  done
}

# Prints the names of the arrays of FILE that are never empty (see the header).
rp::portability::_nonempty_arrays() {
  local file="$1"
  local -a names=()
  local name
  # Every array assigned in the file.
  while IFS= read -r name; do
    [[ -n "${name}" ]] && names+=("${name}")
  done < <(rp::portability::_code "${file}" | grep -oE '(^|[[:space:]])[A-Za-z_][A-Za-z0-9_]*=\(' |
    sed -E 's/^[[:space:]]*//; s/=\($//' | sort -u)
  for name in ${names[@]+"${names[@]}"}; do
    # Any assignment whose list is empty or starts with an expansion, or a fill by read -a/mapfile, or a bare
    # `local -a NAME`, makes it possibly empty.
    if rp::portability::_code "${file}" | grep -qE \
      "(^|[[:space:]])${name}=\(([[:space:]]*\)|[[:space:]]*\"?\\$)|read[[:space:]].*-a[[:space:]]+${name}([[:space:]]|$)|(mapfile|readarray)[[:space:]].*[[:space:]]${name}([[:space:]]|$)|(local|declare)[[:space:]]+-a[[:space:]]+${name}[[:space:]]*$"; then
      continue
    fi
    printf '%s\n' "${name}"
  done
}

rp::portability::empty_arrays() {
  local file nonempty line text rest name op before seen
  for file in "$@"; do
    nonempty=" $(rp::portability::_nonempty_arrays "${file}" | tr '\n' ' ') "
    while IFS=$'\t' read -r line text; do
      rest="${text}"
      seen=""
      # Each ${NAME[@] or ${NAME[*] and the character after it (the operator, or }).
      while [[ "${rest}" =~ \$\{([A-Za-z_][A-Za-z0-9_]*)\[[@*]\](.) ]]; do
        name="${BASH_REMATCH[1]}"
        op="${BASH_REMATCH[2]}"
        before="${seen}${rest%%"${BASH_REMATCH[0]}"*}"
        seen="${before}${BASH_REMATCH[0]}"
        rest="${rest#*"${BASH_REMATCH[0]}"}"
        # Guarded: ${a[@]+...} / ${a[*]:-...} / ${a[*]-...}, and the "${a[@]}" inside ${a[@]+"${a[@]}"}.
        [[ "${op}" == [+:-] ]] && continue
        [[ "${before}" == *"\${${name}[@]+\"" || "${before}" == *"\${${name}[*]+\"" ]] && continue
        [[ "${nonempty}" == *" ${name} "* ]] && continue
        # shellcheck disable=SC2016 # the fix is printed as it is to be written
        printf '%s:%s: ${%s[@]} may be an empty array (bash < 4.4 with set -u: unbound variable); use ${%s[@]+"${%s[@]}"}\n' \
          "${file}" "${line}" "${name}" "${name}" "${name}"
      done
    done < <(rp::portability::_code "${file}" | grep -E '\$\{[A-Za-z_][A-Za-z0-9_]*\[[@*]\]' || true)
  done
}
