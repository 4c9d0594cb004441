/*
** `mutuals completion bash|zsh`: the shell completion script, written from
** the same tables the program reads its arguments with (the commands and
** their options in options.c, the collections in the model), so that a
** new option or entity is completed the day it exists. make install writes
** both into the shells' completion folders.
*/
#include <stdio.h>
#include <string.h>
#include "host.h"
#include "../models/model.h"

static void kinds(FILE *out, const char *sep) {
  for (const mu_entity *const *e = mu_entities; *e; e++) fprintf(out, "%s%s", e == mu_entities ? "" : sep, (*e)->plural);
}

/* Every command's name. */
static void commands(FILE *out) {
  for (const host_command *c = host_commands + 1; c->name; c++) fprintf(out, "%s ", c->name);
  fputs("completion help", out);
}

/* The option names of a command, as "--a --b", with --help. */
static void options(FILE *out, const host_command *c) {
  for (const host_opt *o = c->opts; o->name; o++) fprintf(out, "--%s ", o->name);
  fputs("--help", out);
}

static void bash(FILE *out) {
  fputs("# bash completion for mutuals, written by `mutuals completion bash` from the program's own tables:\n"
        "# commands, each command's options, collections where a KIND goes, files elsewhere.\n"
        "_mutuals() {\n"
        "  local cur prev words cword\n"
        "  _init_completion 2>/dev/null || {\n"
        "    cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=(\"${COMP_WORDS[@]}\"); "
        "cword=$COMP_CWORD\n"
        "  }\n  local commands=\"", out);
  commands(out);
  fputs("\"\n  local kinds=\"", out);
  kinds(out, " ");
  fputs("\"\n  local cmd=\"\" i\n  for ((i = 1; i < cword; i++)); do\n    case ${words[i]} in\n"
        "      --db|--wait) ((i++)) ;;\n      -*) ;;\n      *) cmd=${words[i]}; break ;;\n    esac\n  done\n"
        "  case $cmd:$prev in\n", out);
  for (const host_command *c = host_commands; c->name; c++)   /* a value of an option: as its table says */
    for (const host_opt *o = c->opts; o->name; o++) {
      const char *cmd = c == host_commands ? "" : c->name;
      if (!o->values || o->kind == HOST_OPTIONAL) continue;
      if (strcmp(o->values, "FILE") == 0)
        fprintf(out, "    %s:--%s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", cmd, o->name);
      else if (strcmp(o->values, "KIND") == 0)
        fprintf(out, "    %s:--%s) COMPREPLY=($(compgen -W \"$kinds\" -- \"$cur\")); return ;;\n", cmd, o->name);
      else
        fprintf(out, "    %s:--%s) COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return ;;\n", cmd, o->name, o->values);
    }
  fputs("  esac\n  if [ -z \"$cmd\" ]; then\n    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"", out);
  for (const host_opt *o = host_commands[0].opts; o->name; o++) fprintf(out, "%s--%s", o == host_commands[0].opts ? "" : " ", o->name);
  fputs("\" -- \"$cur\"))\n    else COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\")); fi\n    return\n  fi\n"
        "  local opts=\"\"\n  case $cmd in\n", out);
  for (const host_command *c = host_commands + 1; c->name; c++) {
    fprintf(out, "    %s) opts=\"", c->name);
    options(out, c);
    fputs("\" ;;\n", out);
  }
  fputs("    completion) COMPREPLY=($(compgen -W \"bash zsh\" -- \"$cur\")); return ;;\n"
        "    help) COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\")); return ;;\n  esac\n"
        "  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\")); return; fi\n"
        "  case $cmd in\n    import|export)   # KIND first, then (import) a file\n      local n=0\n"
        "      for ((i = i + 1; i < cword; i++)); do [[ ${words[i]} == -* ]] || ((n++)); done\n"
        "      if [ $n -eq 0 ]; then COMPREPLY=($(compgen -W \"$kinds\" -- \"$cur\")); else COMPREPLY=($(compgen -f -- "
        "\"$cur\")); fi ;;\n    *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n  esac\n}\ncomplete -F _mutuals mutuals\n",
        out);
}

/* A zsh _arguments spec for one option: its name, whether it takes a value, and what the value is. */
static void zsh_option(FILE *out, const host_opt *o) {
  if (o->kind == HOST_FLAG) {
    fprintf(out, " '--%s'", o->name);
    return;
  }
  const char *eq = o->kind == HOST_OPTIONAL ? "=-" : "=";
  fprintf(out, " '--%s%s[%s]:", o->name, eq, o->name);
  if (o->values && strcmp(o->values, "FILE") == 0) {
    fputs("file:_files'", out);
  } else if (o->values && strcmp(o->values, "KIND") == 0) {
    fputs("kind:(", out);
    kinds(out, " ");
    fputs(")'", out);
  } else if (o->values) {
    fprintf(out, "value:(%s)'", o->values);
  } else {
    fputs("value:'", out);
  }
}

static void zsh(FILE *out) {
  fputs("#compdef mutuals\n# zsh completion for mutuals, written by `mutuals completion zsh` from the program's own "
        "tables.\n_mutuals() {\n  local curcontext=$curcontext state line\n  _arguments -C", out);
  for (const host_opt *o = host_commands[0].opts; o->name; o++) zsh_option(out, o);
  fputs(" '1:command:(", out);
  commands(out);
  fputs(")' '*::argument:->args'\n  [[ $state == args ]] || return\n  case $words[1] in\n", out);
  for (const host_command *c = host_commands + 1; c->name; c++) {
    fprintf(out, "    %s) _arguments", c->name);
    for (const host_opt *o = c->opts; o->name; o++) zsh_option(out, o);
    if (!strcmp(c->name, "import") || !strcmp(c->name, "export")) {
      fputs(" '1:kind:(", out);
      kinds(out, " ");
      fputs(")'", out);
    }
    fputs(" '--help' '*:file:_files' ;;\n", out);
  }
  fputs("    completion) _arguments '1:shell:(bash zsh)' ;;\n    help) _arguments '1:command:(", out);
  commands(out);
  fputs(")' ;;\n  esac\n}\n_mutuals \"$@\"\n", out);
}

int completion_main(int argc, char **argv) {
  if (argc == 1 && strcmp(argv[0], "bash") == 0) bash(stdout);
  else if (argc == 1 && strcmp(argv[0], "zsh") == 0) zsh(stdout);
  else return host_usage("completion needs the shell: mutuals completion bash|zsh");
  return fflush(stdout) == 0 ? 0 : 1;
}
