/*
 * notifySocket(path, message): sends one datagram to a service manager's
 * notification socket, the protocol of sd_notify(3) ("READY=1",
 * "STOPPING=1", "WATCHDOG=1", "STATUS=..." lines, newline-separated).
 *
 * Why C: Node has no AF_UNIX SOCK_DGRAM socket (dgram knows udp4/udp6 only),
 * and the daemon does not link libsystemd. The protocol is one sendto() on a
 * fresh datagram socket, so that is all this does.
 *
 * A path that starts with '@' names a socket in the abstract namespace
 * (unix(7)): the '@' becomes a NUL byte and the address length counts only
 * the name's bytes, as sd_notify(3) describes for $NOTIFY_SOCKET.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <node_api.h>

#include "gate-internal.h"
#include "notify.h"

/* Larger than any notification the daemon sends (a STATUS= line and a few
 * fields); systemd itself reads at most PIPE_BUF+1 bytes per datagram. */
#define MAX_NOTIFY_BYTES 4096

static napi_value notify_socket(napi_env env, napi_callback_info info) {
  size_t argc = 2, path_len = 0, msg_len = 0;
  napi_value argv[2];
  struct sockaddr_un addr;
  char message[MAX_NOTIFY_BYTES];
  socklen_t addr_len;
  ssize_t sent;
  int fd, err;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "notifySocket(path, message)");
    return NULL;
  }
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (napi_get_value_string_utf8(env, argv[0], addr.sun_path, sizeof addr.sun_path, &path_len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], message, sizeof message, &msg_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "notifySocket: path and message must be strings");
    return NULL;
  }
  /* The copy is truncated silently at the buffer's size: refuse instead. */
  if (path_len == 0 || path_len >= sizeof addr.sun_path - 1 || (addr.sun_path[0] != '/' && addr.sun_path[0] != '@')) {
    gate_throw_errno(env, EINVAL, "notify path");
    return NULL;
  }
  if (msg_len >= sizeof message - 1) {
    gate_throw_errno(env, EMSGSIZE, "notify message");
    return NULL;
  }
  if (addr.sun_path[0] == '@') {
    addr.sun_path[0] = '\0';
    addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len);
  } else {
    addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len + 1);
  }
  fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    gate_throw_errno(env, errno, "socket");
    return NULL;
  }
  /* Non-blocking: a manager that stopped reading must not stall the event
   * loop; EAGAIN is reported like any other failure. */
  do {
    sent = sendto(fd, message, msg_len, MSG_NOSIGNAL, (struct sockaddr*)&addr, addr_len);
  } while (sent < 0 && errno == EINTR);
  err = sent < 0 ? errno : 0;
  close(fd);
  if (err != 0) {
    gate_throw_errno(env, err, "sendto");
    return NULL;
  }
  return NULL;
}

napi_status notify_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"notifySocket", NULL, notify_socket, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
