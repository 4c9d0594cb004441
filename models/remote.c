/*
** Remote datasets over libcurl. A transfer is driven through the multi
** interface and read as a stdio stream (fopencookie): the importer pulls
** bytes with getline and each read runs the transfer just far enough to
** supply them, so the body goes to the importer as it arrives and is never
** held whole in memory. Headers are read first, so an HTTP error, a 304 or
** a retry is decided before any row is imported.
**
** Settings follow curl's own advice: TLS verification on, connect, total
** and low-speed timeouts, a body size limit, at most N redirects and only
** to http/https, gzip/deflate accepted, a User-Agent naming the program.
** Retries (timeouts, connection failures, 429, 5xx; never other 4xx) back
** off exponentially with jitter and honour Retry-After, within a count and
** a total time.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "curl_load.h"
#include <openssl/evp.h>
#include "model.h"

struct mu_transfer {
  CURLM *multi;
  CURL *easy;
  struct curl_slist *headers;
  const mu_fetch_opts *opts;
  mu_fetch_result *res;
  char errbuf[CURL_ERROR_SIZE];
  char *buf;                 /* bytes received and not yet read */
  size_t len, off, cap;
  int done, headers_done, too_big, header_too_long;
  CURLcode result;
  EVP_MD_CTX *sha;
  double last_progress;
};

void mu_fetch_defaults(mu_fetch_opts *o) {
  memset(o, 0, sizeof *o);
  o->connect_timeout_ms = 10000;
  o->timeout_ms = 300000;
  o->low_speed_limit = 100;        /* bytes per second ... (a drip of 2 B/s is a stall, not a download) */
  o->low_speed_time = 30;          /* ... for this many seconds counts as stalled */
  o->max_bytes = 512LL << 20;
  o->max_redirects = 5;
  o->retries = 3;
  o->backoff_ms = 500;
  o->max_retry_ms = 60000;
  o->progress = -1;               /* auto: when stderr is a terminal */
}

/* Header lines of the final response: status line resets what earlier responses said. */
static size_t on_header(char *line, size_t size, size_t n, void *ctx) {
  mu_transfer *t = ctx;
  size_t len = size * n;
  mu_fetch_result *r = t->res;
  if (len > MU_MAX_HEADER_LINE) {   /* no honest server needs one this long */
    t->header_too_long = 1;
    return 0;
  }
  if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
    free(r->etag); free(r->last_modified); free(r->content_type);
    r->etag = r->last_modified = r->content_type = NULL;
    r->retry_after = -1;
    return len;
  }
  if (len <= 2) {   /* the blank line ending a response's headers */
    long code = 0;
    mu_curl.easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code < 300 || code >= 400 || code == 304) t->headers_done = 1;
    return len;
  }
  const char *colon = memchr(line, ':', len);
  if (!colon) return len;
  size_t klen = (size_t)(colon - line);
  const char *v = colon + 1;
  while (v < line + len && (*v == ' ' || *v == '\t')) v++;
  size_t vlen = (size_t)(line + len - v);
  while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' ')) vlen--;
  char **slot = NULL;
  if (klen == 4 && strncasecmp(line, "ETag", 4) == 0) slot = &r->etag;
  else if (klen == 13 && strncasecmp(line, "Last-Modified", 13) == 0) slot = &r->last_modified;
  else if (klen == 12 && strncasecmp(line, "Content-Type", 12) == 0) slot = &r->content_type;
  else if (klen == 11 && strncasecmp(line, "Retry-After", 11) == 0) {
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(vlen < 63 ? vlen : 63), v);
    char *end;
    errno = 0;
    long long secs = strtoll(tmp, &end, 10);   /* saturates at LLONG_MAX with ERANGE */
    if (end != tmp && *end == '\0' && secs >= 0)
      r->retry_after = secs > MU_MAX_RETRY_AFTER || errno == ERANGE ? MU_MAX_RETRY_AFTER : (long)secs;
    else {
      time_t when = mu_curl.getdate(tmp, NULL), now = time(NULL);
      if (when > 0)
        r->retry_after = when <= now ? 0 : when - now > MU_MAX_RETRY_AFTER ? MU_MAX_RETRY_AFTER : (long)(when - now);
    }
  }
  if (slot) {
    free(*slot);
    *slot = strndup(v, vlen);
  }
  return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx) {
  mu_transfer *t = ctx;
  size_t len = size * n;
  t->headers_done = 1;
  if (t->opts->max_bytes > 0 && t->res->bytes + (long long)len > t->opts->max_bytes) {
    t->too_big = 1;
    return 0;   /* aborts the transfer with CURLE_WRITE_ERROR */
  }
  /* Compact, then grow: the buffer holds only what the reader has not taken. */
  if (t->off > 0) {
    size_t rest = t->len - t->off;
    if (rest) memmove(t->buf, t->buf + t->off, rest);
    t->len = rest;
    t->off = 0;
  }
  if (t->len + len > t->cap) {
    size_t cap = (t->len + len) * 2;
    char *b = realloc(t->buf, cap);
    if (!b) return 0;
    t->buf = b;
    t->cap = cap;
  }
  memcpy(t->buf + t->len, data, len);
  t->len += len;
  t->res->bytes += (long long)len;
  EVP_DigestUpdate(t->sha, data, len);
  return len;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
  mu_transfer *t = ctx;
  (void)ultotal;
  (void)ulnow;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
  if (now - t->last_progress < 0.1) return 0;
  t->last_progress = now;
  if (dltotal > 0) {
    int width = 30, filled = (int)((double)dlnow / (double)dltotal * width);
    fprintf(stderr, "\r[%.*s%*s] %3d%% %.1f MB", filled, "==============================", width - filled, "",
            (int)((double)dlnow * 100 / (double)dltotal), (double)dlnow / 1e6);
  } else {
    fprintf(stderr, "\r%.1f MB", (double)dlnow / 1e6);
  }
  fflush(stderr);
  return 0;
}

/* Run the transfer until `want` says stop or it ends. */
static void pump(mu_transfer *t, int until_headers) {
  while (!t->done) {
    if (until_headers ? t->headers_done : t->len > t->off) return;
    int running = 0;
    if (mu_curl.multi_perform(t->multi, &running) != CURLM_OK) {
      t->done = 1;
      t->result = CURLE_FAILED_INIT;
      return;
    }
    CURLMsg *msg;
    int left;
    while ((msg = mu_curl.multi_info_read(t->multi, &left)))
      if (msg->msg == CURLMSG_DONE) {
        t->done = 1;
        t->result = msg->data.result;
      }
    if (!t->done && (until_headers ? !t->headers_done : t->len == t->off))
      mu_curl.multi_poll(t->multi, NULL, 0, 200, NULL);
  }
}

static ssize_t cookie_read(void *ctx, char *out, size_t size) {
  mu_transfer *t = ctx;
  pump(t, 0);
  if (t->len > t->off) {
    size_t n = t->len - t->off < size ? t->len - t->off : size;
    memcpy(out, t->buf + t->off, n);
    t->off += n;
    return (ssize_t)n;
  }
  if (t->result != CURLE_OK) {
    errno = EIO;
    return -1;
  }
  return 0;
}

static void transfer_free(mu_transfer *t) {
  if (!t) return;
  if (t->multi && t->easy) mu_curl.multi_remove_handle(t->multi, t->easy);
  mu_curl.easy_cleanup(t->easy);
  mu_curl.multi_cleanup(t->multi);
  mu_curl.slist_free_all(t->headers);
  EVP_MD_CTX_free(t->sha);
  free(t->buf);
  free(t);
}

/* One attempt: set up and start the transfer, read up to the end of the headers. */
static mu_transfer *attempt(const char *url, const mu_fetch_opts *o, mu_fetch_result *res) {
  mu_transfer *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->opts = o;
  t->res = res;
  t->multi = mu_curl.multi_init();
  t->easy = mu_curl.easy_init();
  t->sha = EVP_MD_CTX_new();
  if (!t->multi || !t->easy || !t->sha || !EVP_DigestInit_ex(t->sha, EVP_sha256(), NULL)) {
    transfer_free(t);
    return NULL;
  }
  res->bytes = 0;
  res->retry_after = -1;
  CURL *e = t->easy;
  mu_curl.easy_setopt(e, CURLOPT_URL, url);
  mu_curl.easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
  mu_curl.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  mu_curl.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  mu_curl.easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  mu_curl.easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  mu_curl.easy_setopt(e, CURLOPT_MAXREDIRS, (long)o->max_redirects);
  mu_curl.easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  mu_curl.easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  mu_curl.easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
  mu_curl.easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
  mu_curl.easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
  mu_curl.easy_setopt(e, CURLOPT_LOW_SPEED_TIME, o->low_speed_time);
  if (o->max_bytes > 0) mu_curl.easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
  mu_curl.easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
  mu_curl.easy_setopt(e, CURLOPT_USERAGENT, "mutuals/" MU_VERSION " (libcurl)");
  mu_curl.easy_setopt(e, CURLOPT_FAILONERROR, 1L);
  mu_curl.easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  mu_curl.easy_setopt(e, CURLOPT_HEADERDATA, t);
  mu_curl.easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  mu_curl.easy_setopt(e, CURLOPT_WRITEDATA, t);
  if (o->ca_file) mu_curl.easy_setopt(e, CURLOPT_CAINFO, o->ca_file);
  int progress = o->progress < 0 ? isatty(2) : o->progress;
  if (progress) {
    mu_curl.easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    mu_curl.easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    mu_curl.easy_setopt(e, CURLOPT_XFERINFODATA, t);
  }
  char h[1100];
  if (o->etag) {
    snprintf(h, sizeof h, "If-None-Match: %s", o->etag);
    t->headers = mu_curl.slist_append(t->headers, h);
  }
  if (o->last_modified) {
    snprintf(h, sizeof h, "If-Modified-Since: %s", o->last_modified);
    t->headers = mu_curl.slist_append(t->headers, h);
  }
  if (t->headers) mu_curl.easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  mu_curl.multi_add_handle(t->multi, e);
  pump(t, 1);
  return t;
}

/* Is this failure worth another attempt? */
static int retryable(mu_transfer *t, long status) {
  if (t->too_big || t->header_too_long) return 0;
  if (status == 429 || (status >= 500 && status <= 599)) return 1;
  if (status >= 400) return 0;
  switch (t->result) {
    case CURLE_OPERATION_TIMEDOUT: case CURLE_COULDNT_CONNECT: case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_GOT_NOTHING: case CURLE_RECV_ERROR: case CURLE_SEND_ERROR: case CURLE_PARTIAL_FILE:
      return 1;
    default:
      return 0;
  }
}

/* The message for a failed attempt, naming the URL and what happened. */
static void describe(mu_transfer *t, const char *url, long status, char *err, size_t errlen) {
  if (t->header_too_long || (t->result == CURLE_OUT_OF_MEMORY && !t->headers_done))
    snprintf(err, errlen, "%s: refused: the server sent a header line longer than %d KiB", url,
             t->header_too_long ? MU_MAX_HEADER_LINE / 1024 : 100);
  else if (t->result == CURLE_OPERATION_TIMEDOUT && strstr(t->errbuf, "too slow"))
    snprintf(err, errlen, "%s: stalled: less than %ld bytes a second for %ld seconds (%s)", url,
             t->opts->low_speed_limit, t->opts->low_speed_time, t->errbuf);
  else if (t->too_big)
    snprintf(err, errlen, "%s: the body is larger than the limit of %lld bytes (raise max_bytes if it is expected)",
             url, (long long)t->opts->max_bytes);
  else if (status >= 400)
    snprintf(err, errlen, "%s: HTTP %ld%s", url, status,
             status == 404 ? " (not found: check the URL)" : status == 429 ? " (too many requests)" : "");
  else if (t->result == CURLE_TOO_MANY_REDIRECTS)
    snprintf(err, errlen, "%s: too many redirects (more than %d)", url, t->opts->max_redirects);
  else if (t->result == CURLE_UNSUPPORTED_PROTOCOL)
    snprintf(err, errlen, "%s: refused: only http and https are allowed (%s)", url,
             t->errbuf[0] ? t->errbuf : mu_curl.easy_strerror(t->result));
  else if (t->result == CURLE_PARTIAL_FILE)
    snprintf(err, errlen, "%s: the body stopped early: %s", url, t->errbuf[0] ? t->errbuf : "truncated transfer");
  else if (t->result == CURLE_FILESIZE_EXCEEDED)
    snprintf(err, errlen, "%s: the body is larger than the limit of %lld bytes", url, (long long)t->opts->max_bytes);
  else if (t->result == CURLE_PEER_FAILED_VERIFICATION || t->result == CURLE_SSL_CACERT_BADFILE ||
           t->result == CURLE_SSL_CONNECT_ERROR)
    snprintf(err, errlen, "%s: TLS verification failed: %s (the connection was not trusted; nothing was fetched)",
             url, t->errbuf[0] ? t->errbuf : mu_curl.easy_strerror(t->result));
  else
    snprintf(err, errlen, "%s: %s", url, t->errbuf[0] ? t->errbuf : mu_curl.easy_strerror(t->result));
}

static void sleep_ms(long long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

int mu_fetch(const char *url, const mu_fetch_opts *o, mu_fetch_body body, void *ctx, mu_fetch_result *res,
             char *err, size_t errlen) {
  memset(res, 0, sizeof *res);
  if (mu_curl_load(err, errlen)) return -1;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  unsigned seed = (unsigned)start.tv_nsec ^ (unsigned)getpid();
  for (int n = 1;; n++) {
    res->attempts = n;
    mu_transfer *t = attempt(url, o, res);
    if (!t) {
      snprintf(err, errlen, "%s: out of memory", url);
      return -1;
    }
    long status = 0;
    mu_curl.easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    res->status = status;
    int failed = t->done && t->result != CURLE_OK;
    int rc = 0;
    if (!failed && status == 304) {
      res->not_modified = 1;
      pump(t, 0);
    } else if (!failed) {
      /* Hand the body over as a stream; a failure inside shows as a read error. */
      cookie_io_functions_t io = {cookie_read, NULL, NULL, NULL};
      FILE *fp = fopencookie(t, "r", io);
      if (!fp) {
        snprintf(err, errlen, "%s: %s", url, strerror(errno));
        transfer_free(t);
        return -1;
      }
      rc = body(fp, ctx, err, errlen);
      fclose(fp);
      failed = t->done && t->result != CURLE_OK;
      mu_curl.easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
      res->status = status;
    }
    if (o->progress != 0 && (o->progress > 0 || isatty(2))) fputs("\r\033[K", stderr);
    if (!failed && rc == 0 && (t->done || res->not_modified)) {
      unsigned char md[EVP_MAX_MD_SIZE];
      unsigned mdlen = 0;
      EVP_DigestFinal_ex(t->sha, md, &mdlen);
      for (unsigned i = 0; i < mdlen && i < 32; i++) snprintf(res->sha256 + 2 * i, 3, "%02x", md[i]);
      char *eff = NULL;
      mu_curl.easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &eff);
      if (eff) snprintf(res->effective_url, sizeof res->effective_url, "%s", eff);
      transfer_free(t);
      return 0;
    }
    if (!failed) {    /* the body arrived but the reader rejected it: not a network matter */
      transfer_free(t);
      return -1;
    }
    describe(t, url, status, err, errlen);
    int again = retryable(t, status) && n <= o->retries;
    /* All in 64 bits, capped: neither a long backoff series nor a server's Retry-After can overflow. */
    long long wait = (long long)o->backoff_ms << (n - 1 < 20 ? n - 1 : 20);
    wait += (long long)(rand_r(&seed) % (unsigned)(o->backoff_ms + 1));   /* jitter */
    if (res->retry_after >= 0) wait = (long long)res->retry_after * 1000;
    transfer_free(t);
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long elapsed = (long long)(now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (!again || elapsed + wait > o->max_retry_ms) {
      size_t used = strlen(err);
      if (again && res->retry_after >= 0)
        snprintf(err + used, errlen - used, " (the server asks to wait %ld s, beyond the retry limit of %ld s)",
                 res->retry_after, o->max_retry_ms / 1000);
      else if (n > 1)
        snprintf(err + used, errlen - used, " (after %d attempts)", n);
      return -1;
    }
    sleep_ms(wait);
  }
}

void mu_fetch_result_free(mu_fetch_result *r) {
  free(r->etag);
  free(r->last_modified);
  free(r->content_type);
  r->etag = r->last_modified = r->content_type = NULL;
}
