/* The front gate (gate.c): accept, first reads and faults of the sharing
 * daemon's connections. Its functions join the addon's exports in init(). */
#ifndef PORTSHARE_GATE_H
#define PORTSHARE_GATE_H

#include <node_api.h>

napi_status gate_init(napi_env env, napi_value exports);

#endif
