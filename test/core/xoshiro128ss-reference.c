/*
 * Independent reference for test/core/rng.test.ts's known-answer vectors: xoshiro128** as in
 * Blackman & Vigna's public-domain xoshiro128starstar.c (https://prng.di.unimi.it/), plus
 * Distillery's seeding (src/core/rng.ts, re-implemented here from its description with uint32_t
 * arithmetic): key words → FNV-style hash finalized with splitmix32 → four state words from a
 * Weyl sequence through splitmix32 → 8 outputs discarded. uniform() = (hi27·2^26 + lo26)/2^53;
 * normal() = Box–Muller (cos first, sin cached). Build and run:
 *   gcc -O2 -o /tmp/xoshiro-ref test/core/xoshiro128ss-reference.c -lm && /tmp/xoshiro-ref
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t s[4];

static inline uint32_t rotl(const uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

/* Vigna's next(), verbatim in substance. */
static uint32_t next(void) {
  const uint32_t result = rotl(s[1] * 5, 7) * 9;
  const uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

static uint32_t mix(uint32_t a) { /* rng.ts's splitmix32 */
  uint32_t z = a + 0x9e3779b9u;
  z = (z ^ (z >> 16)) * 0x85ebca6bu;
  z = (z ^ (z >> 13)) * 0xc2b2ae35u;
  return z ^ (z >> 16);
}

static uint32_t hash_words(const uint32_t *w, int n) {
  uint32_t h = 0x811c9dc5u;
  for (int i = 0; i < n; i++) h = mix(h ^ w[i]);
  return h;
}

static uint32_t hash_string(const char *str) { /* FNV-1a over code units (ASCII names here) */
  uint32_t h = 0x811c9dc5u;
  for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
    h ^= *p;
    h *= 0x01000193u;
  }
  return mix(h);
}

static void seed_from_key(const uint32_t *key, int n) {
  uint32_t h = mix(hash_words(key, n));
  for (int i = 0; i < 4; i++) {
    h += 0x9e3779b9u;
    s[i] = mix(h);
  }
  if ((s[0] | s[1] | s[2] | s[3]) == 0) s[0] = 1;
  for (int i = 0; i < 8; i++) next();
}

static double uniform(void) {
  uint32_t hi = next() >> 5, lo = next() >> 6;
  return ((double)hi * 67108864.0 + (double)lo) / 9007199254740992.0;
}

static int has_spare = 0;
static double spare;
static double normal(void) {
  if (has_spare) { has_spare = 0; return spare; }
  double u = 0;
  while (u == 0) u = uniform();
  double v = uniform();
  double r = sqrt(-2 * log(u));
  spare = r * sin(2 * M_PI * v);
  has_spare = 1;
  return r * cos(2 * M_PI * v);
}

static void print_u32(const char *label, int n) {
  printf("%s:", label);
  for (int i = 0; i < n; i++) printf(" %u", next());
  printf("\n");
}

int main(void) {
  /* Raw generator from a given state, for comparison with published xoshiro128** vectors. */
  s[0] = 1; s[1] = 2; s[2] = 3; s[3] = 4;
  print_u32("raw state {1,2,3,4}", 8);
  s[0] = 0; s[1] = 1; s[2] = 2; s[3] = 3;
  print_u32("raw state {0,1,2,3}", 8);

  uint32_t k0[2] = {0, 0};
  seed_from_key(k0, 2);
  print_u32("fromSeed(0) uint32", 8);
  uint32_t k42[2] = {42, 0};
  seed_from_key(k42, 2);
  print_u32("fromSeed(42) uint32", 8);
  /* fromSeed(2^32 + 5): key [5, 1] */
  uint32_t kbig[2] = {5, 1};
  seed_from_key(kbig, 2);
  print_u32("fromSeed(2^32+5) uint32", 4);
  /* fromSeed(7).split("episode/3").split("policy"): key [7, 0, 0x5eed, h("episode/3"), 0x5eed, h("policy")] */
  uint32_t ks[6] = {7, 0, 0x5eed, hash_string("episode/3"), 0x5eed, hash_string("policy")};
  seed_from_key(ks, 6);
  print_u32("fromSeed(7)/episode/3/policy uint32", 6);
  printf("hashString(\"episode/3\") = %u, hashString(\"\") = %u\n", hash_string("episode/3"), hash_string(""));

  seed_from_key(k42, 2);
  printf("fromSeed(42) uniform:");
  for (int i = 0; i < 4; i++) printf(" %.17g", uniform());
  printf("\n");
  seed_from_key(k42, 2);
  has_spare = 0;
  printf("fromSeed(42) normal:");
  for (int i = 0; i < 4; i++) printf(" %.17g", normal());
  printf("\n");
  return 0;
}
