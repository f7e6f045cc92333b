/* k8s_split.h: dividing one load profile over N load-generator pods so that the shares add up
 * exactly to the profile (pocbench k8s render --parallelism N). Owner: k8s work.
 * All functions are pure and thread-safe. */
#ifndef K8S_SPLIT_H
#define K8S_SPLIT_H
#include <stddef.h>
#include <stdint.h>

/* Share i (0-based) of n of an integer total: floor(total/n), plus one for the first total%n
 * shares (61 over 4 -> 16,15,15,15). total >= 0, 0 <= i < n. */
int64_t k8s_share_int(int64_t total, int i, int n);

/* Share i of n of a possibly fractional amount (an arrival rate): the integer part is split as
 * k8s_share_int, the fraction goes to share 0, so the shares sum to total exactly in binary
 * floating point whenever total's fraction is itself exact (10.5 -> 3.5,3,2,2). */
double k8s_share_real(double total, int i, int n);

/* Capacity share (preAllocatedVUs, maxVUs): ceil(total/n), at least 1. Not required to add up:
 * each pod needs enough VUs for its own share of the rate. */
int64_t k8s_share_capacity(int64_t total, int n);

/* Rewrites a k6 options JSON document for pod i of n: every load quantity ("vus", "startVUs",
 * "iterations", "rate", "startRate", and every "target" of a "stages" entry, at the top level
 * or in "scenarios") becomes its share; "preAllocatedVUs"/"maxVUs" their capacity share;
 * everything else (durations, sleep, thresholds, ...) is copied unchanged.
 * *out is a malloc'd NUL-terminated JSON text (caller frees). 0, or -EINVAL with a message in
 * err (malformed JSON, a negative or non-numeric quantity), -ENOMEM.
 * peak_out (may be NULL) receives the profile's largest single load quantity ("vus", "startVUs",
 * or a stage target), so a caller can refuse n greater than it. */
int k8s_share_profile(const char *json, int i, int n, char **out, double *peak_out,
                      char *err, size_t errlen);

#endif
