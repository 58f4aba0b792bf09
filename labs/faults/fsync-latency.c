/*
 * fsync-latency: an "append-only ledger" that writes small records and calls fsync() after every
 * one, so the time goes to waiting for the file system and the device, not to CPU.
 * The file is reopened about once a second (as a log appender checking for rotation would) and
 * truncated when it passes the cap, so disk use stays small however long the lab runs.
 *
 * Built on the lab host by labctl with:  gcc -O1 -o <comm> fsync-latency.c
 * Usage: <comm> FILE [RECORDS_PER_SEC] [CAP_BYTES]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE [RECORDS_PER_SEC] [CAP_BYTES]\n", argv[0]);
    return 2;
  }
  const char *path = argv[1];
  long rate = argc > 2 ? atol(argv[2]) : 100;
  long long cap = argc > 3 ? atoll(argv[3]) : 8LL << 20;
  if (rate < 1) rate = 1;
  struct timespec gap = {0, 1000000000L / rate};
  char rec[160];
  unsigned long seq = 0;
  for (;;) {
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) {
      perror(path);
      sleep(1);
      continue;
    }
    for (long i = 0; i < rate; i++) {
      int n = snprintf(rec, sizeof rec, "%lu|%ld|txn=%08lx|amount=%ld.%02ld|status=committed\n", seq, (long)time(NULL),
                       seq * 2654435761UL, (long)(seq % 9973), (long)(seq % 100));
      seq++;
      if (write(fd, rec, (size_t)n) != n) perror("write");
      if (fsync(fd) != 0) perror("fsync");
      nanosleep(&gap, NULL);
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > cap && ftruncate(fd, 0) != 0) perror("ftruncate");
    close(fd);
  }
}
