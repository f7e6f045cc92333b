/* textfile.h: small text helpers shared by the C test programs (reading a file the program
 * under test wrote, counting what it printed). Not thread-safe; no allocation. */
#ifndef POC_TESTS_TEXTFILE_H
#define POC_TESTS_TEXTFILE_H
#include <stddef.h>

/* Reads at most cap-1 bytes of path into buf, NUL-terminated (empty when it cannot be opened);
 * returns the number of bytes read. */
size_t textfile_slurp(const char *path, char *buf, size_t cap);

/* How many non-overlapping times needle occurs in hay. */
int textfile_count(const char *hay, const char *needle);

#endif
