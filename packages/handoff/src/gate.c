/*
 * @portshare/handoff, the front gate: the sharing daemon's connection path
 * below JavaScript. It owns the shared listening sockets, accepts with
 * accept4() under a budget the daemon sets (so a full daemon leaves new
 * connections in the kernel's backlog instead of aborting them), reads each
 * connection's first bytes with recv() up to a hard limit, and sends framing
 * faults with WCF's half-close and drain. A connection is a descriptor and a
 * small struct here; no runtime socket object exists for it unless the daemon
 * asks for one (proxy mode).
 *
 * Policy (what to read, where to route, when to fault) stays in TypeScript
 * (packages/service/src/connection-pipeline.ts); this file only does the
 * system calls and reports, through one callback per gate:
 *
 *   ACCEPT  (listenerFd, Int32Array fds)   connections taken from a backlog
 *   BLOCKED (listenerFd)                   someone waits, but the budget is 0
 *   DATA    (fd, Buffer)                   bytes read from a connection
 *   END     (fd, errnoName | null)         EOF (null) or an error while reading
 *   CLOSED  (fd)                           a fault was sent and drained; fd closed
 *   EMFILE  (count)                        accept hit the descriptor limit
 *
 * Descriptor exhaustion: accept4() failing with EMFILE leaves the connection
 * in the backlog, and a level-triggered poll would report it again at once
 * (a busy loop). The gate keeps `reserve` descriptors open on /dev/null while
 * it accepts; on EMFILE it stops accepting and closes them, so the control
 * socket, the log and hand-offs still get descriptors, and it retries every
 * 100 ms until it can take its reserve back (the reserve-descriptor technique
 * of libuv's uv__emfile_trick and nginx, but without closing the waiting
 * connections: they stay queued in the kernel).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "gate.h"
#include "gate-internal.h"

/* Connections accepted per listener per readiness event: bounds the work of
 * one event-loop turn, so a flood on one port cannot starve the others or the
 * control socket. The poll is level-triggered and fires again next turn. */
#define ACCEPT_BATCH 64
#define EMFILE_RETRY_MS 100
#define READ_CHUNK 4096

/* ------------------------------------------------------------------------ */
/* Lifetime                                                                   */

static void gate_release(gate_t* g) {
  if (--g->refs == 0) {
    free(g->by_fd);
    free(g);
  }
}

void gate_handle_closed(gate_t* g) {
  if (--g->handles == 0 && g->hook != NULL) {
    napi_remove_async_cleanup_hook(g->hook);
    g->hook = NULL;
  }
  gate_release(g);
}

static void on_listener_closed(uv_handle_t* h) {
  listener_t* l = h->data;
  gate_t* g = l->gate;
  free(l);
  gate_handle_closed(g);
}

static void on_conn_closed(uv_handle_t* h) {
  gconn_t* c = h->data;
  gate_t* g = c->gate;
  free(c->out);
  free(c);
  gate_handle_closed(g);
}

static void on_timer_closed(uv_handle_t* h) { gate_handle_closed((gate_t*)h->data); }

static void gate_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  gate_release((gate_t*)data);
}

static gconn_t* conn_of(gate_t* g, int fd) {
  return fd >= 0 && fd < g->by_fd_cap ? g->by_fd[fd] : NULL;
}

/* Forgets the connection's struct; closes its descriptor when `close_fd`. */
static void conn_drop(gconn_t* c, int close_fd) {
  gate_t* g = c->gate;
  if (c->fd < g->by_fd_cap && g->by_fd[c->fd] == c) g->by_fd[c->fd] = NULL;
  uv_close((uv_handle_t*)&c->handle, on_conn_closed);
  if (close_fd) close(c->fd);
}

static void reserve_release(gate_t* g) {
  while (g->reserve_held > 0) close(g->reserve[--g->reserve_held]);
}

static int reserve_take(gate_t* g) {
  while (g->reserve_held < g->reserve_want) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    g->reserve[g->reserve_held++] = fd;
  }
  return 1;
}

static void gate_shutdown(gate_t* g) {
  int i;
  if (g->closed) return;
  g->closed = 1;
  while (g->listeners != NULL) {
    listener_t* l = g->listeners;
    g->listeners = l->next;
    uv_close((uv_handle_t*)&l->handle, on_listener_closed);
    close(l->fd);
  }
  for (i = 0; i < g->by_fd_cap; i++) {
    if (g->by_fd[i] != NULL) conn_drop(g->by_fd[i], 1);
  }
  relay_close_all(g);
  uv_close((uv_handle_t*)&g->retry, on_timer_closed);
  reserve_release(g);
}

static void gate_teardown(napi_async_cleanup_hook_handle hook, void* arg) {
  (void)hook;
  gate_shutdown((gate_t*)arg);
}

/* ------------------------------------------------------------------------ */
/* Calling JavaScript                                                         */

/* Like Node's own I/O callbacks: an async context, microtasks drained after.
 * The TypeScript side catches its own exceptions; one that escapes anyway is
 * reported as uncaught, as an event listener's would be. */
void gate_emit(gate_t* g, int kind, size_t argc, napi_value* args) {
  napi_value argv[3], fn, recv, result, exception;
  size_t i;
  if (g->closed) return;
  if (napi_create_int32(g->env, kind, &argv[0]) != napi_ok) return;
  for (i = 0; i < argc && i < 2; i++) argv[i + 1] = args[i];
  if (napi_get_reference_value(g->env, g->callback, &fn) != napi_ok || fn == NULL) return;
  if (napi_get_global(g->env, &recv) != napi_ok) return;
  if (napi_make_callback(g->env, g->async, recv, fn, argc + 1, argv, &result) == napi_pending_exception &&
      napi_get_and_clear_last_exception(g->env, &exception) == napi_ok) {
    napi_fatal_exception(g->env, exception);
  }
}

static void emit_fd(gate_t* g, int kind, int fd, napi_value extra, int has_extra) {
  napi_handle_scope scope;
  napi_value args[2];
  if (napi_open_handle_scope(g->env, &scope) != napi_ok) return;
  if (napi_create_int32(g->env, fd, &args[0]) == napi_ok) {
    args[1] = extra;
    gate_emit(g, kind, has_extra ? 2 : 1, args);
  }
  napi_close_handle_scope(g->env, scope);
}

/* err: 0 for EOF, else a negative errno (libuv's convention). */
void gate_emit_end(gate_t* g, int kind, int fd, int err) {
  napi_handle_scope scope;
  napi_value args[2];
  if (napi_open_handle_scope(g->env, &scope) != napi_ok) return;
  if (napi_create_int32(g->env, fd, &args[0]) == napi_ok &&
      (err == 0 ? napi_get_null(g->env, &args[1])
                : napi_create_string_utf8(g->env, uv_err_name(err), NAPI_AUTO_LENGTH, &args[1])) == napi_ok) {
    gate_emit(g, kind, 2, args);
  }
  napi_close_handle_scope(g->env, scope);
}

void gate_throw_errno(napi_env env, int err, const char* syscall) {
  char text[256];
  napi_value code, message, error, sc;
  snprintf(text, sizeof text, "%s failed: %s", syscall, strerror(err));
  if (napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message) != napi_ok ||
      napi_create_error(env, code, message, &error) != napi_ok) {
    return;
  }
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc) == napi_ok) {
    napi_set_named_property(env, error, "syscall", sc);
  }
  napi_throw(env, error);
}

/* ------------------------------------------------------------------------ */
/* Accepting                                                                  */

static void on_acceptable(uv_poll_t* h, int status, int events);

static void listeners_poll(gate_t* g, int on) {
  listener_t* l;
  for (l = g->listeners; l != NULL; l = l->next) {
    if (on && !l->polling) l->polling = uv_poll_start(&l->handle, UV_READABLE, on_acceptable) == 0;
    if (!on && l->polling) {
      uv_poll_stop(&l->handle);
      l->polling = 0;
    }
  }
}

static int accepting(const gate_t* g) {
  return !g->closed && g->reserve_held == g->reserve_want && (g->budget > 0 || g->probe);
}

static void on_retry(uv_timer_t* t) {
  gate_t* g = t->data;
  if (g->closed) return;
  if (!reserve_take(g)) {
    uv_timer_start(&g->retry, on_retry, EMFILE_RETRY_MS, 0);
    return;
  }
  listeners_poll(g, accepting(g));
}

static void on_emfile(gate_t* g) {
  napi_handle_scope scope;
  napi_value count;
  g->emfile_count++;
  listeners_poll(g, 0);
  reserve_release(g);
  uv_timer_start(&g->retry, on_retry, EMFILE_RETRY_MS, 0);
  if (napi_open_handle_scope(g->env, &scope) != napi_ok) return;
  if (napi_create_double(g->env, g->emfile_count, &count) == napi_ok) gate_emit(g, G_EMFILE, 1, &count);
  napi_close_handle_scope(g->env, scope);
}

static void on_acceptable(uv_poll_t* h, int status, int events) {
  listener_t* l = h->data;
  gate_t* g = l->gate;
  int fds[ACCEPT_BATCH];
  int n = 0, emfile = 0;
  (void)events;
  (void)status; /* an error on a listening socket shows up again in accept4() */
  if (g->budget <= 0) {
    /* Someone waits in the backlog and the daemon is full: stop watching
     * this socket (it would fire every turn) and let the daemon decide. */
    uv_poll_stop(&l->handle);
    l->polling = 0;
    emit_fd(g, G_BLOCKED, l->fd, NULL, 0);
    return;
  }
  while (n < ACCEPT_BATCH && g->budget > 0) {
    int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) emfile = 1;
      break; /* EAGAIN: the backlog is empty */
    }
    fds[n++] = fd;
    g->budget--;
  }
  if (g->budget <= 0) {
    g->probe = 0;
    listeners_poll(g, 0);
  }
  if (n > 0) {
    napi_handle_scope scope;
    napi_value args[2], ab;
    void* data;
    if (napi_open_handle_scope(g->env, &scope) == napi_ok) {
      if (napi_create_int32(g->env, l->fd, &args[0]) == napi_ok &&
          napi_create_arraybuffer(g->env, (size_t)n * sizeof(int32_t), &data, &ab) == napi_ok &&
          napi_create_typedarray(g->env, napi_int32_array, (size_t)n, ab, 0, &args[1]) == napi_ok) {
        memcpy(data, fds, (size_t)n * sizeof(int32_t));
        gate_emit(g, G_ACCEPT, 2, args);
      } else {
        int i;
        for (i = 0; i < n; i++) close(fds[i]);
      }
      napi_close_handle_scope(g->env, scope);
    } else {
      int i;
      for (i = 0; i < n; i++) close(fds[i]);
    }
  }
  if (emfile && !g->closed) on_emfile(g);
}

/* ------------------------------------------------------------------------ */
/* Reading, faults                                                            */

static void on_conn_event(uv_poll_t* h, int status, int events);

static gconn_t* conn_track(gate_t* g, int fd, uv_loop_t* loop, int* err) {
  gconn_t* c = conn_of(g, fd);
  if (c != NULL) return c;
  if (fd >= g->by_fd_cap) {
    int cap = g->by_fd_cap > 0 ? g->by_fd_cap : 1024;
    gconn_t** grown;
    while (cap <= fd) cap *= 2;
    grown = realloc(g->by_fd, (size_t)cap * sizeof *grown);
    if (grown == NULL) {
      *err = ENOMEM;
      return NULL;
    }
    memset(grown + g->by_fd_cap, 0, (size_t)(cap - g->by_fd_cap) * sizeof *grown);
    g->by_fd = grown;
    g->by_fd_cap = cap;
  }
  c = calloc(1, sizeof *c);
  if (c == NULL) {
    *err = ENOMEM;
    return NULL;
  }
  if ((*err = -uv_poll_init(loop, &c->handle, fd)) != 0) {
    free(c); /* uv_poll_init fails before it registers the handle */
    return NULL;
  }
  c->handle.data = c;
  c->fd = fd;
  c->gate = g;
  g->by_fd[fd] = c;
  g->refs++;
  g->handles++;
  return c;
}

static void conn_read(gconn_t* c) {
  gate_t* g = c->gate;
  unsigned char buf[READ_CHUNK];
  size_t want = c->limit < sizeof buf ? c->limit : sizeof buf;
  ssize_t n;
  if (want == 0) {
    /* The daemon's limit is reached and it has not decided yet: read no more. */
    uv_poll_stop(&c->handle);
    c->state = C_STOPPED;
    return;
  }
  do n = recv(c->fd, buf, want, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  if (n <= 0) {
    uv_poll_stop(&c->handle);
    c->state = C_STOPPED;
    gate_emit_end(g, G_END, c->fd, n == 0 ? 0 : -errno);
    return;
  }
  c->limit -= (size_t)n;
  {
    napi_handle_scope scope;
    napi_value chunk;
    void* data;
    if (napi_open_handle_scope(g->env, &scope) != napi_ok) return;
    if (napi_create_buffer_copy(g->env, (size_t)n, buf, &data, &chunk) == napi_ok) {
      emit_fd(g, G_DATA, c->fd, chunk, 1);
    }
    napi_close_handle_scope(g->env, scope);
  }
}

static void fault_finish(gconn_t* c) {
  gate_t* g = c->gate;
  int fd = c->fd;
  conn_drop(c, 1);
  emit_fd(g, G_CLOSED, fd, NULL, 0);
}

static void fault_drain(gconn_t* c) {
  unsigned char buf[READ_CHUNK];
  ssize_t n;
  for (;;) {
    do n = recv(c->fd, buf, sizeof buf, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0 || (size_t)n >= c->limit) {
      fault_finish(c);
      return;
    }
    c->limit -= (size_t)n;
  }
}

static void fault_write(gconn_t* c) {
  while (c->out_off < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      uv_poll_start(&c->handle, UV_WRITABLE, on_conn_event);
      return;
    }
    if (n < 0) {
      fault_finish(c);
      return;
    }
    c->out_off += (size_t)n;
  }
  /* WCF's InitialServerConnectionReader.SendFault: write the fault, shut the
   * sending side, read until the client closes so it reads the fault instead
   * of a reset ([MC-NMF] 2.2.3.7; CoreWCF ConnectionUtilities). */
  shutdown(c->fd, SHUT_WR);
  c->state = C_FAULT_DRAIN;
  if (uv_poll_start(&c->handle, UV_READABLE, on_conn_event) != 0) fault_finish(c);
}

static void on_conn_event(uv_poll_t* h, int status, int events) {
  gconn_t* c = h->data;
  (void)events;
  if (c->gate->closed) return;
  switch (c->state) {
    case C_READING:
      if (status < 0) {
        /* libuv reports POLLERR as UV_EBADF (uv__poll_io); the socket's
         * pending error says what happened (ECONNRESET, ETIMEDOUT, ...). */
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0) status = -soerr;
        uv_poll_stop(&c->handle);
        c->state = C_STOPPED;
        gate_emit_end(c->gate, G_END, c->fd, status);
        return;
      }
      conn_read(c);
      return;
    case C_FAULT_WRITE:
      if (status < 0) fault_finish(c);
      else fault_write(c);
      return;
    case C_FAULT_DRAIN:
      if (status < 0) fault_finish(c);
      else fault_drain(c);
      return;
    default:
      uv_poll_stop(&c->handle);
  }
}

/* ------------------------------------------------------------------------ */
/* JavaScript API                                                             */

gate_t* gate_get(napi_env env, napi_value v) {
  void* data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected a gate handle");
    return NULL;
  }
  return ((gate_t*)data)->closed ? NULL : data;
}

static int args(napi_env env, napi_callback_info info, size_t want, napi_value* argv, gate_t** g) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "missing arguments");
    return 0;
  }
  if (g != NULL && (*g = gate_get(env, argv[0])) == NULL) return 0;
  return 1;
}

static int int_arg(napi_env env, napi_value v, int32_t* out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected a number");
    return 0;
  }
  return 1;
}

/* gateOpen(callback, reserve) -> gate */
static napi_value gate_open(napi_env env, napi_callback_info info) {
  napi_value argv[2], result, name;
  int32_t reserve;
  uv_loop_t* loop;
  gate_t* g;
  if (!args(env, info, 2, argv, NULL) || !int_arg(env, argv[1], &reserve)) return NULL;
  if (reserve < 0 || reserve > MAX_RESERVE) {
    gate_throw_errno(env, EINVAL, "gateOpen");
    return NULL;
  }
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
  g = calloc(1, sizeof *g);
  if (g == NULL) {
    gate_throw_errno(env, ENOMEM, "calloc");
    return NULL;
  }
  g->env = env;
  g->reserve_want = reserve;
  if (!reserve_take(g)) {
    int err = errno;
    reserve_release(g);
    free(g);
    gate_throw_errno(env, err, "open");
    return NULL;
  }
  /* The retry timer stays referenced: while accepting is paused for want of
   * descriptors, it is what keeps the loop, and the daemon, going. */
  uv_timer_init(loop, &g->retry);
  g->retry.data = g;
  g->refs = 2; /* the external and the timer */
  g->handles = 1;
  if (napi_create_reference(env, argv[0], 1, &g->callback) != napi_ok ||
      napi_create_string_utf8(env, "PortshareGate", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &g->async) != napi_ok ||
      napi_create_external(env, g, gate_finalize, NULL, &result) != napi_ok) {
    g->refs = 1;
    gate_shutdown(g);
    return NULL;
  }
  if (napi_add_async_cleanup_hook(env, gate_teardown, g, &g->hook) != napi_ok) g->hook = NULL;
  return result;
}

static void add_listener(gate_t* g, uv_loop_t* loop, int fd, int* err) {
  listener_t* l = calloc(1, sizeof *l);
  if (l == NULL) {
    *err = ENOMEM;
    return;
  }
  if ((*err = -uv_poll_init(loop, &l->handle, fd)) != 0) {
    free(l);
    return;
  }
  l->handle.data = l;
  l->fd = fd;
  l->gate = g;
  l->next = g->listeners;
  g->listeners = l;
  g->refs++;
  g->handles++;
  if (g->unrefed) uv_unref((uv_handle_t*)&l->handle);
  if (accepting(g)) l->polling = uv_poll_start(&l->handle, UV_READABLE, on_acceptable) == 0;
}

/* gateListen(gate, address, port, backlog, v6only, deferSeconds) -> [fd, port] */
static napi_value gate_listen(napi_env env, napi_callback_info info) {
  napi_value argv[6], result, v;
  char address[64];
  size_t len;
  int32_t port, backlog, defer;
  bool v6only;
  struct sockaddr_storage ss;
  socklen_t sslen;
  int fd, one = 1, err = 0;
  const char* syscall = "socket";
  uv_loop_t* loop;
  gate_t* g;
  if (!args(env, info, 6, argv, &g) || !int_arg(env, argv[2], &port) || !int_arg(env, argv[3], &backlog) ||
      !int_arg(env, argv[5], &defer)) {
    return NULL;
  }
  if (napi_get_value_string_utf8(env, argv[1], address, sizeof address, &len) != napi_ok ||
      napi_get_value_bool(env, argv[4], &v6only) != napi_ok || napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected (gate, address, port, backlog, v6only, deferSeconds)");
    return NULL;
  }
  memset(&ss, 0, sizeof ss);
  if (uv_ip4_addr(address, port, (struct sockaddr_in*)&ss) == 0) {
    sslen = sizeof(struct sockaddr_in);
  } else if (uv_ip6_addr(address, port, (struct sockaddr_in6*)&ss) == 0) {
    sslen = sizeof(struct sockaddr_in6);
  } else {
    gate_throw_errno(env, EINVAL, "inet_pton");
    return NULL;
  }
  fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) goto fail;
  /* As Node's listen(): SO_REUSEADDR so a restarted daemon binds while old
   * connections sit in TIME_WAIT. Accepted sockets inherit TCP_NODELAY. */
  syscall = "setsockopt";
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) goto fail;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) goto fail;
  /* TCP_DEFER_ACCEPT (tcp(7)): a connection reaches the accept queue only
   * once it has data, or after about `defer` seconds. net.tcp clients speak
   * first, so a good client is not delayed, while one that connects and says
   * nothing never takes a pending slot until then (as nginx's `deferred` and
   * HAProxy's `defer-accept`). */
  if (defer > 0 && setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof defer) != 0) goto fail;
  if (ss.ss_family == AF_INET6) {
    int on = v6only ? 1 : 0;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) goto fail;
  }
  syscall = "bind";
  if (bind(fd, (struct sockaddr*)&ss, sslen) != 0) goto fail;
  syscall = "listen";
  if (listen(fd, backlog) != 0) goto fail;
  syscall = "getsockname";
  sslen = sizeof ss;
  if (getsockname(fd, (struct sockaddr*)&ss, &sslen) != 0) goto fail;
  add_listener(g, loop, fd, &err);
  if (err != 0) {
    errno = err;
    syscall = "uv_poll_init";
    goto fail;
  }
  if (napi_create_array_with_length(env, 2, &result) != napi_ok) return NULL;
  napi_create_int32(env, fd, &v);
  napi_set_element(env, result, 0, v);
  napi_create_int32(env, ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in*)&ss)->sin_port
                                                        : ((struct sockaddr_in6*)&ss)->sin6_port),
                    &v);
  napi_set_element(env, result, 1, v);
  return result;
fail:
  err = errno;
  if (fd >= 0) close(fd);
  gate_throw_errno(env, err, syscall);
  return NULL;
}

/* gateListenUnix(gate, path, mode, backlog) -> fd: a Unix stream socket at
 * `path` with file mode `mode`, set before listen() so no peer gets in under
 * the umask's looser mode. A socket file left at `path` (a daemon that died)
 * is replaced; any other kind of file is left alone (EADDRINUSE). The caller
 * owns the folder: acting by path in it must be safe. */
static napi_value gate_listen_unix(napi_env env, napi_callback_info info) {
  napi_value argv[4], result;
  struct sockaddr_un addr;
  struct stat st;
  size_t len;
  int32_t mode, backlog;
  int fd = -1, err = 0;
  const char* syscall = "socket";
  uv_loop_t* loop;
  gate_t* g;
  if (!args(env, info, 4, argv, &g) || !int_arg(env, argv[2], &mode) || !int_arg(env, argv[3], &backlog)) return NULL;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (napi_get_value_string_utf8(env, argv[1], addr.sun_path, sizeof addr.sun_path, &len) != napi_ok ||
      napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected (gate, path, mode, backlog)");
    return NULL;
  }
  if (len == 0 || len >= sizeof addr.sun_path - 1) {
    gate_throw_errno(env, ENAMETOOLONG, "bind");
    return NULL;
  }
  if (lstat(addr.sun_path, &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      gate_throw_errno(env, EADDRINUSE, "bind");
      return NULL;
    }
    if (unlink(addr.sun_path) != 0 && errno != ENOENT) {
      gate_throw_errno(env, errno, "unlink");
      return NULL;
    }
  }
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) goto fail;
  syscall = "bind";
  if (bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0) goto fail;
  syscall = "chmod";
  if (chmod(addr.sun_path, (mode_t)mode) != 0) goto fail_bound;
  syscall = "listen";
  if (listen(fd, backlog) != 0) goto fail_bound;
  add_listener(g, loop, fd, &err);
  if (err != 0) {
    errno = err;
    syscall = "uv_poll_init";
    goto fail_bound;
  }
  napi_create_int32(env, fd, &result);
  return result;
fail_bound:
  err = errno;
  unlink(addr.sun_path);
  errno = err;
fail:
  err = errno;
  if (fd >= 0) close(fd);
  gate_throw_errno(env, err, syscall);
  return NULL;
}

/* gateAdopt(gate, fd) -> [family, port]: a listening socket opened by
 * someone else (systemd socket activation, sd_listen_fds(3); a previous
 * daemon) joins the gate. It must be a listening stream socket (SO_ACCEPTCONN);
 * it is made non-blocking and close-on-exec. family: 4, 6, or 0 for Unix. */
static napi_value gate_adopt(napi_env env, napi_callback_info info) {
  napi_value argv[2], result, v;
  int32_t fd;
  int on = 0, type = 0, err = 0, family = 0, port = 0;
  socklen_t len = sizeof on;
  struct sockaddr_storage ss;
  socklen_t sslen = sizeof ss;
  uv_loop_t* loop;
  gate_t* g;
  if (!args(env, info, 2, argv, &g) || !int_arg(env, argv[1], &fd) || napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) != 0) {
    gate_throw_errno(env, errno, "getsockopt");
    return NULL;
  }
  len = sizeof type;
  if (!on || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) {
    gate_throw_errno(env, EINVAL, "SO_ACCEPTCONN");
    return NULL;
  }
  if (getsockname(fd, (struct sockaddr*)&ss, &sslen) != 0) {
    gate_throw_errno(env, errno, "getsockname");
    return NULL;
  }
  if (ss.ss_family == AF_INET) {
    family = 4;
    port = ntohs(((struct sockaddr_in*)&ss)->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    family = 6;
    port = ntohs(((struct sockaddr_in6*)&ss)->sin6_port);
  }
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    gate_throw_errno(env, errno, "fcntl");
    return NULL;
  }
  add_listener(g, loop, fd, &err);
  if (err != 0) {
    gate_throw_errno(env, err, "uv_poll_init");
    return NULL;
  }
  if (napi_create_array_with_length(env, 2, &result) != napi_ok) return NULL;
  napi_create_int32(env, family, &v);
  napi_set_element(env, result, 0, v);
  napi_create_int32(env, port, &v);
  napi_set_element(env, result, 1, v);
  return result;
}

/* gateUnlisten(gate, fd): stop accepting there and close the socket. Waiting
 * connections in its backlog are reset by the kernel. */
static napi_value gate_unlisten(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  listener_t** link;
  gate_t* g;
  if (!args(env, info, 2, argv, &g) || !int_arg(env, argv[1], &fd)) return NULL;
  for (link = &g->listeners; *link != NULL; link = &(*link)->next) {
    listener_t* l = *link;
    if (l->fd != fd) continue;
    *link = l->next;
    uv_close((uv_handle_t*)&l->handle, on_listener_closed);
    close(l->fd);
    break;
  }
  return NULL;
}

/* gateAccept(gate, budget, probe): accept at most `budget` more connections;
 * with probe, also report BLOCKED once when the budget is 0 and one waits. */
static napi_value gate_accept(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t budget;
  bool probe;
  gate_t* g;
  if (!args(env, info, 3, argv, &g) || !int_arg(env, argv[1], &budget)) return NULL;
  if (napi_get_value_bool(env, argv[2], &probe) != napi_ok) return NULL;
  g->budget = budget < 0 ? 0 : budget;
  g->probe = probe;
  listeners_poll(g, accepting(g));
  return NULL;
}

/* gateRead(gate, fd, limit): report DATA until `limit` bytes in all, or END;
 * the first read is tried at once, within this call. */
static napi_value gate_read(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, limit;
  int err = 0;
  uv_loop_t* loop;
  gconn_t* c;
  gate_t* g;
  if (!args(env, info, 3, argv, &g) || !int_arg(env, argv[1], &fd) || !int_arg(env, argv[2], &limit)) return NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
  c = conn_track(g, fd, loop, &err);
  if (c == NULL) {
    gate_throw_errno(env, err, "gateRead");
    return NULL;
  }
  c->state = C_READING;
  c->limit = limit > 0 ? (size_t)limit : 0;
  if ((err = uv_poll_start(&c->handle, UV_READABLE, on_conn_event)) != 0) {
    conn_drop(c, 0);
    gate_throw_errno(env, -err, "uv_poll_start");
    return NULL;
  }
  /* Read what is already there now, not a loop turn later: a net.tcp client
   * sends its preamble with its first segment (with TCP_DEFER_ACCEPT it is in
   * before the accept), so the caller learns within this call whether the
   * connection brought its bytes. DATA or END may be reported from here. */
  conn_read(c);
  return NULL;
}

/* gateRelease(gate, fd): stop reading; the descriptor stays open and is the
 * caller's (to hand off, or to wrap in a stream). */
static napi_value gate_release_fd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  gconn_t* c;
  gate_t* g;
  if (!args(env, info, 2, argv, &g) || !int_arg(env, argv[1], &fd)) return NULL;
  if ((c = conn_of(g, fd)) != NULL) conn_drop(c, 0);
  return NULL;
}

/* gateClose(gate, fd): forget and close. Also for descriptors never read. */
static napi_value gate_close_fd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  gconn_t* c;
  gate_t* g;
  if (!args(env, info, 2, argv, &g) || !int_arg(env, argv[1], &fd)) return NULL;
  if ((c = conn_of(g, fd)) != NULL) conn_drop(c, 1);
  else if (fd >= 0) close(fd);
  return NULL;
}

/* gateFault(gate, fd, bytes, drainBytes): send, half-close, drain, close;
 * CLOSED(fd) when done. The caller bounds the time (gateClose). */
static napi_value gate_fault(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, drain;
  void* data;
  size_t length;
  int err = 0;
  uv_loop_t* loop;
  gconn_t* c;
  gate_t* g;
  if (!args(env, info, 4, argv, &g) || !int_arg(env, argv[1], &fd) || !int_arg(env, argv[3], &drain)) return NULL;
  if (napi_get_buffer_info(env, argv[2], &data, &length) != napi_ok || napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected a Buffer");
    return NULL;
  }
  c = conn_track(g, fd, loop, &err);
  if (c == NULL) {
    gate_throw_errno(env, err, "gateFault");
    return NULL;
  }
  uv_poll_stop(&c->handle);
  free(c->out);
  c->out = malloc(length > 0 ? length : 1);
  if (c->out == NULL) {
    conn_drop(c, 1);
    gate_throw_errno(env, ENOMEM, "malloc");
    return NULL;
  }
  memcpy(c->out, data, length);
  c->out_len = length;
  c->out_off = 0;
  c->limit = drain > 0 ? (size_t)drain : 0;
  c->state = C_FAULT_WRITE;
  fault_write(c);
  return NULL;
}

static napi_value address_of(napi_env env, napi_callback_info info, int peer) {
  napi_value argv[1], result, v;
  int32_t fd;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char text[INET6_ADDRSTRLEN];
  int port;
  if (!args(env, info, 1, argv, NULL) || !int_arg(env, argv[0], &fd)) return NULL;
  if ((peer ? getpeername(fd, (struct sockaddr*)&ss, &len) : getsockname(fd, (struct sockaddr*)&ss, &len)) != 0) {
    gate_throw_errno(env, errno, peer ? "getpeername" : "getsockname");
    return NULL;
  }
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &((struct sockaddr_in*)&ss)->sin_addr, text, sizeof text);
    port = ntohs(((struct sockaddr_in*)&ss)->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &((struct sockaddr_in6*)&ss)->sin6_addr, text, sizeof text);
    port = ntohs(((struct sockaddr_in6*)&ss)->sin6_port);
  } else {
    gate_throw_errno(env, EAFNOSUPPORT, peer ? "getpeername" : "getsockname");
    return NULL;
  }
  if (napi_create_array_with_length(env, 2, &result) != napi_ok) return NULL;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v);
  napi_set_element(env, result, 0, v);
  napi_create_int32(env, port, &v);
  napi_set_element(env, result, 1, v);
  return result;
}

/* localAddress(fd) / peerAddress(fd) -> [address, port] */
static napi_value local_address(napi_env env, napi_callback_info info) { return address_of(env, info, 0); }
static napi_value peer_address(napi_env env, napi_callback_info info) { return address_of(env, info, 1); }

/* gateRef(gate, bool): whether the gate's listeners (and its retry timer)
 * keep the event loop alive. */
static napi_value gate_ref(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool on;
  listener_t* l;
  gate_t* g;
  if (!args(env, info, 2, argv, &g) || napi_get_value_bool(env, argv[1], &on) != napi_ok) return NULL;
  g->unrefed = !on;
  for (l = g->listeners; l != NULL; l = l->next) {
    if (on) uv_ref((uv_handle_t*)&l->handle);
    else uv_unref((uv_handle_t*)&l->handle);
  }
  if (on) uv_ref((uv_handle_t*)&g->retry);
  else uv_unref((uv_handle_t*)&g->retry);
  return NULL;
}

/* gateShutdown(gate): close every listener and tracked connection. */
static napi_value gate_shutdown_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  gate_t* g;
  if (!args(env, info, 1, argv, &g)) return NULL;
  gate_shutdown(g);
  napi_delete_reference(env, g->callback);
  napi_async_destroy(env, g->async);
  return NULL;
}

/* fdLimit() -> [soft, hard] RLIMIT_NOFILE */
static napi_value fd_limit(napi_env env, napi_callback_info info) {
  struct rlimit rl;
  napi_value result, v;
  (void)info;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    gate_throw_errno(env, errno, "getrlimit");
    return NULL;
  }
  if (napi_create_array_with_length(env, 2, &result) != napi_ok) return NULL;
  napi_create_double(env, rl.rlim_cur == RLIM_INFINITY ? -1 : (double)rl.rlim_cur, &v);
  napi_set_element(env, result, 0, v);
  napi_create_double(env, rl.rlim_max == RLIM_INFINITY ? -1 : (double)rl.rlim_max, &v);
  napi_set_element(env, result, 1, v);
  return result;
}

napi_status gate_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gateOpen", NULL, gate_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gateListen", NULL, gate_listen, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gateUnlisten", NULL, gate_unlisten, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gateListenUnix", NULL, gate_listen_unix, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gateAdopt", NULL, gate_adopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gateAccept", NULL, gate_accept, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gateRead", NULL, gate_read, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gateRelease", NULL, gate_release_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gateClose", NULL, gate_close_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gateFault", NULL, gate_fault, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gateShutdown", NULL, gate_shutdown_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gateRef", NULL, gate_ref, NULL, NULL, NULL, napi_enumerable, NULL},
      {"localAddress", NULL, local_address, NULL, NULL, NULL, napi_enumerable, NULL},
      {"peerAddress", NULL, peer_address, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fdLimit", NULL, fd_limit, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_status status = napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return status == napi_ok ? relay_init(env, exports) : status;
}
