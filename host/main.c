/*
** One binary, two programs: called as `mutuals` it is the analyst's command
** line; called by any other name (mutuals-lua, or lua5.4 in the
** differential tests) it is the lua5.4-compatible interpreter.
*/
#include <string.h>
#include "host.h"

static const char *base_name(const char *path) {
  const char *slash = path ? strrchr(path, '/') : NULL;
  return slash ? slash + 1 : (path ? path : "");
}

int main(int argc, char **argv) {
  const char *name = base_name(argv[0]);
  if (strncmp(name, "mutuals", 7) == 0 && strncmp(name, "mutuals-lua", 11) != 0)
    return cli_main(argc, argv);
  return standalone_main(argc, argv);
}
