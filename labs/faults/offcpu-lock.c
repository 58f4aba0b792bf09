/*
 * offcpu-lock: a small "service" whose worker threads contend on one pthread mutex.
 * The lock is held while doing a little CPU work and a short sleep (think: a slow
 * downstream call made under a global lock), so every other thread waits in
 * futex() most of the time: high latency, low CPU, and offcputime shows the waits
 * under HOT_FUNCTION.
 *
 * Built on the lab host by labctl with:
 *   gcc -g -O1 -fno-omit-frame-pointer -pthread -DHOT_FUNCTION=<name> -DTHREADS=<n> -o <comm> offcpu-lock.c
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifndef HOT_FUNCTION
#define HOT_FUNCTION update_inventory
#endif
#ifndef THREADS
#define THREADS 8
#endif
/* how long the lock is held per request: the sleep part dominates so CPU stays low */
#ifndef HOLD_SLEEP_US
#define HOLD_SLEEP_US 3000
#endif
#ifndef HOLD_SPIN_US
#define HOLD_SPIN_US 100
#endif

static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long inventory[64];

static unsigned long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (unsigned long)ts.tv_sec * 1000000UL + (unsigned long)ts.tv_nsec / 1000UL;
}

/*
 * Taking the lock goes through this frame-pointer function on purpose: glibc is built
 * without frame pointers, so a frame-pointer unwinder skips the direct caller of
 * pthread_mutex_lock. With this hop, HOT_FUNCTION is always visible in the stack.
 */
__attribute__((noinline)) static void take_lock(pthread_mutex_t *m) {
  pthread_mutex_lock(m);
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void HOT_FUNCTION(unsigned long item) {
  take_lock(&store_lock);
  unsigned long until = now_us() + HOLD_SPIN_US;
  while (now_us() < until) inventory[item % 64]++;
  usleep(HOLD_SLEEP_US);
  pthread_mutex_unlock(&store_lock);
}

__attribute__((noinline)) static void *worker(void *arg) {
  unsigned long id = (unsigned long)arg;
  for (unsigned long n = 0;; n++) HOT_FUNCTION(id * 1000 + n);
  return NULL;
}

int main(void) {
  pthread_t tids[THREADS];
  for (unsigned long i = 0; i < THREADS; i++) {
    if (pthread_create(&tids[i], NULL, worker, (void *)i) != 0) {
      perror("pthread_create");
      return 1;
    }
  }
  /* the main thread just waits, like a service's accept loop would */
  for (;;) pause();
}
