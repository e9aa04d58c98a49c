#ifndef HOOKD_CMOSQUITTO_SHIM_H
#define HOOKD_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#endif
