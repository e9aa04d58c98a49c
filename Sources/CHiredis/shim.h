#ifndef HOOKD_CHIREDIS_SHIM_H
#define HOOKD_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
/* redisCommand is variadic and not importable; callers use the binary-safe redisCommandArgv. */
#endif
