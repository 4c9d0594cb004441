/*
** libFuzzer harness for the calendar parser (host/calendar.c), which reads
** what a user types after `mutuals schedule --on`. Any bytes: no crash, no
** overread (ASan), and the result keeps its promises: refused with a
** reason, or accepted with a crontab form that is five fields of cron's
** own characters, or none.
**   make fuzz (clang), or replayed over tests/fuzz/corpus/calendar by make test.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../host/host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char expr[512], cron[128], why[300];
  if (size >= sizeof expr) size = sizeof expr - 1;
  memcpy(expr, data, size);
  expr[size] = '\0';
  int rc = host_calendar(expr, cron, sizeof cron, why, sizeof why);
  if (rc != 0 && (rc != -1 || !why[0])) abort();   /* a refusal says why */
  if (rc == 0 && why[0]) abort();
  if (rc == 0 && cron[0]) {   /* five fields of digits, *, ',', '-', '/' */
    int fields = 0, in = 0;
    for (const char *c = cron; *c; c++) {
      if (*c == ' ') in = 0;
      else if (strchr("0123456789*,-/", *c)) fields += !in, in = 1;
      else abort();
    }
    if (fields != 5) abort();
  }
  return 0;
}
