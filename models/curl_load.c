/* See curl_load.h: libcurl through dlopen, once. */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "curl_load.h"

mu_curl_api mu_curl;

int mu_curl_load(char *err, size_t errlen) {
  static int loaded = 0;
  static char failure[512];
  if (loaded == 1) return 0;
  if (loaded == -1) {
    snprintf(err, errlen, "%s", failure);
    return -1;
  }
  void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    snprintf(failure, sizeof failure, "cannot load libcurl (%s): install libcurl4 (make deps)", dlerror());
    loaded = -1;
    snprintf(err, errlen, "%s", failure);
    return -1;
  }
  static const struct { const char *name; size_t offset; } syms[] = {
#define SYM(field, name) {name, offsetof(mu_curl_api, field)}
    SYM(global_init, "curl_global_init"), SYM(easy_init, "curl_easy_init"), SYM(easy_setopt, "curl_easy_setopt"),
    SYM(easy_getinfo, "curl_easy_getinfo"), SYM(easy_perform, "curl_easy_perform"),
    SYM(easy_cleanup, "curl_easy_cleanup"),
    SYM(easy_strerror, "curl_easy_strerror"), SYM(multi_init, "curl_multi_init"),
    SYM(multi_add_handle, "curl_multi_add_handle"), SYM(multi_remove_handle, "curl_multi_remove_handle"),
    SYM(multi_perform, "curl_multi_perform"), SYM(multi_poll, "curl_multi_poll"),
    SYM(multi_info_read, "curl_multi_info_read"), SYM(multi_cleanup, "curl_multi_cleanup"),
    SYM(slist_append, "curl_slist_append"), SYM(slist_free_all, "curl_slist_free_all"),
    SYM(getdate, "curl_getdate"),
#undef SYM
  };
  for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
    void *f = dlsym(h, syms[i].name);
    if (!f) {
      snprintf(failure, sizeof failure, "libcurl has no %s: it is too old (7.66 or newer is needed)", syms[i].name);
      loaded = -1;
      snprintf(err, errlen, "%s", failure);
      return -1;
    }
    /* Object and function pointers have the same size on every platform dlsym serves. */
    memcpy((char *)&mu_curl + syms[i].offset, &f, sizeof f);
  }
  if (mu_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    snprintf(failure, sizeof failure, "libcurl failed to initialise");
    loaded = -1;
    snprintf(err, errlen, "%s", failure);
    return -1;
  }
  loaded = 1;
  return 0;
}
