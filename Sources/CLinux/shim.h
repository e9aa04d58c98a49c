#ifndef HOOKD_CLINUX_SHIM_H
#define HOOKD_CLINUX_SHIM_H
#include <sys/prctl.h>

/* prctl is variadic, which Swift cannot call: one typed wrapper per option hookd uses. */
static inline int hookd_set_dumpable(int dumpable) {
    return prctl(PR_SET_DUMPABLE, (unsigned long)dumpable, 0UL, 0UL, 0UL);
}
static inline int hookd_get_dumpable(void) {
    return prctl(PR_GET_DUMPABLE, 0UL, 0UL, 0UL, 0UL);
}

#endif
