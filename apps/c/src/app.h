/* app.h: the endpoint contract (DESIGN.md section 2) as one libh2o handler.
 * Single-threaded: every function runs on the event-loop thread. */
#ifndef APP_H
#define APP_H
#include <stddef.h>
#include <h2o.h>

/* Registers the handler for every path under pathconf ("/") and creates the /io timers on
 * loop. Call once, after metrics_init and payload_init. 0 or -ENOMEM. */
int app_init(h2o_pathconf_t *pathconf, h2o_loop_t *loop);

/* Requests handed to the handler whose response has not yet been fully written (the request
 * memory is still alive). The drain on SIGTERM waits for this to reach 0. */
size_t app_live_requests(void);

/* Removes the /io timers from the loop. */
void app_dispose(h2o_loop_t *loop);

#endif
