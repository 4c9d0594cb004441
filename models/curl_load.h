/*
** libcurl, loaded on first use. Linking it would load some forty libraries
** (TLS, LDAP, Kerberos...) and run their constructors at every start, which
** is most of `mutuals run`'s start-up time; a script that never fetches
** should not pay for that. remote.c calls libcurl through this table,
** filled by mu_curl_load() from the libcurl4 package's shared library.
*/
#ifndef MUTUALS_CURL_LOAD_H
#define MUTUALS_CURL_LOAD_H

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

typedef struct {
  CURLcode (*global_init)(long);
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
  CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
  CURLcode (*easy_perform)(CURL *);
  void (*easy_cleanup)(CURL *);
  const char *(*easy_strerror)(CURLcode);
  CURLM *(*multi_init)(void);
  CURLMcode (*multi_add_handle)(CURLM *, CURL *);
  CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
  CURLMcode (*multi_perform)(CURLM *, int *);
  CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned int, int, int *);
  CURLMsg *(*multi_info_read)(CURLM *, int *);
  CURLMcode (*multi_cleanup)(CURLM *);
  struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
  void (*slist_free_all)(struct curl_slist *);
  time_t (*getdate)(const char *, const time_t *);
} mu_curl_api;

extern mu_curl_api mu_curl;

/* 0 when libcurl is ready; otherwise -1 and the reason in err. */
int mu_curl_load(char *err, size_t errlen);

#endif
