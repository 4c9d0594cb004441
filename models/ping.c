/*
** Health pings for scheduled runs, in the healthchecks.io convention: the
** run calls URL/start when it begins, URL when it succeeds and URL/fail
** (with the error as the body) when it fails, so a monitor notices a run
** that failed or never ran. A ping is a short request with short timeouts;
** its failure is reported but never fails the run it reports on.
*/
#include <stdio.h>
#include <string.h>
#include "curl_load.h"
#include "model.h"

static size_t discard(char *data, size_t size, size_t n, void *ctx) {
  (void)data;
  (void)ctx;
  return size * n;
}

int mu_ping(const char *url, const char *suffix, const char *body, char *err, size_t errlen) {
  char full[2100], errbuf[CURL_ERROR_SIZE] = "";
  if (mu_curl_load(err, errlen)) return -1;
  snprintf(full, sizeof full, "%s%s%s", url, suffix && *suffix && url[0] && url[strlen(url) - 1] != '/' ? "/" : "",
           suffix ? suffix : "");
  CURL *e = mu_curl.easy_init();
  if (!e) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  mu_curl.easy_setopt(e, CURLOPT_URL, full);
  mu_curl.easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
  mu_curl.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  mu_curl.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  mu_curl.easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  mu_curl.easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
  mu_curl.easy_setopt(e, CURLOPT_FAILONERROR, 1L);
  mu_curl.easy_setopt(e, CURLOPT_USERAGENT, "mutuals/" MU_VERSION " (ping)");
  mu_curl.easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
  if (body) {
    mu_curl.easy_setopt(e, CURLOPT_POSTFIELDS, body);
    mu_curl.easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
  }
  CURLcode rc = mu_curl.easy_perform(e);
  if (rc != CURLE_OK) snprintf(err, errlen, "%s: %s", full, errbuf[0] ? errbuf : mu_curl.easy_strerror(rc));
  mu_curl.easy_cleanup(e);
  return rc == CURLE_OK ? 0 : -1;
}
