/*
** The corpus replay: runs a libFuzzer harness's LLVMFuzzerTestOneInput
** over every file named (or every file in each folder named), so that the
** test suite checks each seed and every crash ever found, without clang.
** Prints "N passed, 0 failed"; a crash stops it (and the sanitizers say why).
*/
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    perror(path);
    return -1;
  }
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0, n;
  uint8_t chunk[65536];
  while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
    if (len + n > cap) {
      cap = (len + n) * 2;
      uint8_t *b = realloc(buf, cap);
      if (!b) abort();
      buf = b;
    }
    memcpy(buf + len, chunk, n);
    len += n;
  }
  fclose(fp);
  LLVMFuzzerTestOneInput(buf ? buf : (const uint8_t *)"", len);
  free(buf);
  return 0;
}

int main(int argc, char **argv) {
  int n = 0, bad = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      DIR *d = opendir(argv[i]);
      struct dirent *e;
      while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
        if (replay(path)) bad++; else n++;
      }
      if (d) closedir(d);
    } else if (replay(argv[i])) {
      bad++;
    } else {
      n++;
    }
  }
  printf("%d passed, %d failed\n", n, bad);
  return bad != 0;
}
