/* sysinfo.h: what run.json records about the machine and the toolchain, so a reader can
 * reproduce a run. Owner: runner work (src/sysinfo.c). Not thread-safe (uses popen). */
#ifndef SYSINFO_H
#define SYSINFO_H
#include <yajl/yajl_gen.h>

/* Emits, into g (inside an open map), the keys "machine" (hostname, cpu_model, cores,
 * memory_bytes, os), "kernel" (release, version, machine) and "git" (commit, dirty) for the
 * checkout at root, and "tools" (pocbench build: compiler, libyajl, OpenSSL, http-parser;
 * runtimes found on PATH: python3, go, gcc). Missing facts are JSON null. */
void sysinfo_write(yajl_gen g, const char *root);

/* Emits only the "git" key of sysinfo_write (commit: `git rev-parse HEAD` of root, null outside
 * git; dirty: tracked files modified), for run.json writers that describe another machine
 * (pocbench k8s run). */
void sysinfo_git(yajl_gen g, const char *root);

/* The libraries and compiler pocbench was built with, one line: "libyajl 2.1.0, OpenSSL 3.0.11
 * 19 Sep 2023, http-parser 2.9.4 (runtime), compiler gcc 12.2.0" (pocbench --version). */
char *sysinfo_build_line(char *buf, size_t cap);

/* Runs cmd via sh -c and returns its first output line (trimmed) in buf, or "" on failure. */
char *sysinfo_cmd_line(const char *cmd, char *buf, size_t cap);

#endif
