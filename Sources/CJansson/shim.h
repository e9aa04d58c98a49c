#ifndef HOOKD_CJANSSON_SHIM_H
#define HOOKD_CJANSSON_SHIM_H
#include <jansson.h>

/* json_typeof is a function-like macro, which Swift cannot import. */
static inline json_type hookd_json_typeof(const json_t *value) { return json_typeof(value); }

#endif
