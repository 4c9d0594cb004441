# bash completion for mutuals: commands, each command's options, collection
# names where a KIND goes, and files where a file goes.
# Installed by `make install` as share/bash-completion/completions/mutuals.
_mutuals() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  }
  local commands="run repl init import import-microdata export fetch report runs check imports undo schedule help"
  local kinds="sources bodies organisations people events sectors mutuals status_changes programmes observations
    barriers recommendations surveys questions options results respondents responses survey_groups findings
    mutual_sectors recommendation_barriers recommendation_bodies derivations known_issues aliases runs"
  local cmd="" i
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      --db|--wait) ((i++)) ;;
      -*) ;;
      *) cmd=${words[i]}; break ;;
    esac
  done
  case $prev in
    --db|--out|--map) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --format) COMPREPLY=($(compgen -W "csv json jsonl html md" -- "$cur")); return ;;
    --mode) COMPREPLY=($(compgen -W "insert upsert" -- "$cur")); return ;;
    --as) COMPREPLY=($(compgen -W "$kinds" -- "$cur")); return ;;
    --on) COMPREPLY=($(compgen -W "daily hourly weekly monthly" -- "$cur")); return ;;
  esac
  if [ -z "$cmd" ]; then
    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--db --wait --help --version" -- "$cur"))
    else COMPREPLY=($(compgen -W "$commands" -- "$cur")); fi
    return
  fi
  local opts=""
  case $cmd in
    run) opts="--timeout --max-memory --sandbox --help" ;;
    import) opts="--format --mode --dry-run --map --ignore --help" ;;
    import-microdata) opts="--long --id --weight --strata --psu --fpc --question --answer --help" ;;
    export) opts="--format --out --ids --where --fields --help" ;;
    fetch) opts="--as --format --offline --retries --timeout --max-bytes --low-speed-limit --low-speed-time --help" ;;
    report) opts="--out --format --wait --ping --timeout --max-memory --sandbox --help" ;;
    runs|imports) opts="--limit --help" ;;
    undo) opts="--dry-run --help" ;;
    schedule) opts="--out --on --cron --name --format --ping --time-limit --on-failure --help" ;;
    help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); return; fi
  case $cmd in
    import|export)   # KIND first, then (import) a file
      local n=0
      for ((i = i + 1; i < cword; i++)); do [[ ${words[i]} == -* ]] || ((n++)); done
      if [ $n -eq 0 ]; then COMPREPLY=($(compgen -W "$kinds" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi ;;
    *) COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}
complete -F _mutuals mutuals
