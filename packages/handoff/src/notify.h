/* Service-manager notifications (notify.c): one datagram to $NOTIFY_SOCKET,
 * as sd_notify(3) sends it. Its function joins the addon's exports in init(). */
#ifndef PORTSHARE_NOTIFY_H
#define PORTSHARE_NOTIFY_H

#include <node_api.h>

napi_status notify_init(napi_env env, napi_value exports);

#endif
