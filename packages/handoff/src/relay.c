/*
 * @portshare/handoff, the proxy relay: in proxy mode the sharing daemon
 * connects to the worker's Unix stream socket, writes a preface (the
 * hand-off header and the bytes already read), then moves bytes both ways
 * until both sides have closed. A static route does the same with a TCP
 * server (gateProxyTcp): the connection is made without blocking, and the
 * relay starts once it is established; the preface is then the client's own
 * bytes, so the server reads the preamble from its first byte. Bytes go through a pipe with splice(2), so
 * they are not copied into the process (splice(2): "moves data between two
 * file descriptors without copying between kernel address space and user
 * address space"); a pipe is taken from a small pool only while bytes are in
 * flight in that direction. Where no pipe can be had (descriptors exhausted)
 * that direction falls back to recv()/send() through a buffer allocated for
 * the bytes in flight. Idle relays hold neither.
 *
 * Half-closes are passed on: EOF from one side becomes shutdown(SHUT_WR) on
 * the other once every byte before it is delivered. An error on either side
 * closes both. One report per relay: PROXY_END(clientFd, errno | null).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <node_api.h>
#include <uv.h>

#include "gate-internal.h"

#define RELAY_CHUNK 65536
/* A read that fits in this many bytes is copied (recv, then send) rather than
 * spliced: for a message or two, the pipe's two splices cost the kernel more
 * than one copy each way (perf: route round trips spent 93 % of the relay's
 * CPU in the kernel). A read that fills it switches that direction to splice
 * until a splice moves less again (docs/benchmarks.md, "Static routes"). */
#define RELAY_SMALL 16384
/* Rounds of read-then-write per direction per readiness event: 1 MiB, so one
 * busy relay cannot hold the event loop (the poll is level-triggered). */
#define RELAY_ROUNDS 16

typedef struct half {
  int src, dst;
  int pipe[2];          /* [read, write]; -1 when none is held */
  unsigned char* buf;   /* fallback, or the preface */
  size_t off, pending;  /* bytes in the pipe or buffer, not yet written */
  int eof, shut;
  int bulk;             /* the last read filled RELAY_SMALL: splice */
} half_t;

struct relay {
  uv_poll_t client_poll, upstream_poll;
  uv_timer_t connect_timer; /* a TCP upstream's connect timeout, when has_timer */
  int has_timer;
  int client_events, upstream_events;
  half_t up;   /* client -> worker */
  half_t down; /* worker -> client */
  int closing;
  int connecting; /* a TCP upstream whose connect() is still in progress */
  int open_handles;
  gate_t* gate;
  relay_t* next;
  relay_t* prev;
};

/* ------------------------------------------------------------------------ */
/* Pipes and buffers                                                          */

static void half_release(gate_t* g, half_t* h) {
  if (h->pending > 0) return;
  if (h->pipe[0] >= 0) {
    if (g->pipes_held < PIPE_POOL && !g->closed) {
      g->pipes[g->pipes_held][0] = h->pipe[0];
      g->pipes[g->pipes_held][1] = h->pipe[1];
      g->pipes_held++;
    } else {
      close(h->pipe[0]);
      close(h->pipe[1]);
    }
    h->pipe[0] = h->pipe[1] = -1;
  }
  free(h->buf);
  h->buf = NULL;
  h->off = 0;
}

static int half_take(gate_t* g, half_t* h) {
  if (h->pipe[0] >= 0 || h->buf != NULL) return 0;
  if (g->pipes_held > 0) {
    g->pipes_held--;
    h->pipe[0] = g->pipes[g->pipes_held][0];
    h->pipe[1] = g->pipes[g->pipes_held][1];
    return 0;
  }
  if (pipe2(h->pipe, O_NONBLOCK | O_CLOEXEC) == 0) return 0;
  h->pipe[0] = h->pipe[1] = -1;
  h->buf = malloc(RELAY_CHUNK);
  return h->buf != NULL ? 0 : -ENOMEM;
}

static void pool_close(gate_t* g) {
  while (g->pipes_held > 0) {
    g->pipes_held--;
    close(g->pipes[g->pipes_held][0]);
    close(g->pipes[g->pipes_held][1]);
  }
}

/* One small read copied through the stack: recv up to RELAY_SMALL bytes, send
 * them; what the destination does not take now is kept in h->buf (exactly
 * that many bytes) for half_pump to send. A read that fills the buffer sets
 * h->bulk: more is likely waiting, and splice moves it from then on. Returns 1
 * when bytes moved or EOF was seen (go on), 0 when the source has nothing
 * (wait), or a negative errno on failure. */
static int half_copy(half_t* h) {
  unsigned char small[RELAY_SMALL];
  ssize_t n;
  do n = recv(h->src, small, sizeof small, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
  if (n == 0) {
    h->eof = 1;
    return 1;
  }
  ssize_t sent;
  do sent = send(h->dst, small, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
    sent = 0;
  }
  if (sent < n) {
    h->buf = malloc((size_t)(n - sent));
    if (h->buf == NULL) return -ENOMEM;
    memcpy(h->buf, small + sent, (size_t)(n - sent));
    h->pending = (size_t)(n - sent);
    h->off = 0;
  }
  if ((size_t)n == sizeof small) h->bulk = 1;
  return 1;
}

/* Moves bytes from h->src to h->dst until one side would block. Returns 0,
 * or a negative errno when a side failed. */
static int half_pump(gate_t* g, half_t* h) {
  int rounds = 0;
  for (;;) {
    ssize_t n;
    while (h->pending > 0) {
      n = h->pipe[0] >= 0 ? splice(h->pipe[0], NULL, h->dst, NULL, h->pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK)
                          : send(h->dst, h->buf + h->off, h->pending, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
      }
      h->pending -= (size_t)n;
      h->off += (size_t)n;
    }
    half_release(g, h);
    if (h->eof) {
      if (!h->shut) {
        shutdown(h->dst, SHUT_WR);
        h->shut = 1;
      }
      return 0;
    }
    if (++rounds > RELAY_ROUNDS) return 0;
    if (!h->bulk) {
      int copied = half_copy(h);
      if (copied <= 0) return copied;
      continue;
    }
    if ((n = half_take(g, h)) < 0) return (int)n;
    n = h->pipe[0] >= 0 ? splice(h->src, NULL, h->pipe[1], NULL, RELAY_CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK)
                        : recv(h->src, h->buf, RELAY_CHUNK, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        half_release(g, h);
        return 0;
      }
      return -errno;
    }
    if (n == 0) {
      h->eof = 1;
      continue;
    }
    if (h->pipe[0] >= 0 && (size_t)n < RELAY_SMALL) h->bulk = 0;
    h->pending = (size_t)n;
    h->off = 0;
  }
}

/* ------------------------------------------------------------------------ */
/* Lifetime                                                                   */

static void on_relay_handle_closed(uv_handle_t* handle) {
  relay_t* r = handle->data;
  gate_t* g = r->gate;
  if (--r->open_handles == 0) {
    free(r->up.buf);
    free(r->down.buf);
    free(r);
  }
  gate_handle_closed(g);
}

static void half_close_pipe(half_t* h) {
  if (h->pipe[0] < 0) return;
  close(h->pipe[0]);
  close(h->pipe[1]);
  h->pipe[0] = h->pipe[1] = -1;
}

/* Takes the relay off the gate's list and closes its pipes, its handles and
 * the upstream descriptor; the client's descriptor is left to the caller.
 * False when it was closing already. */
static int relay_detach(relay_t* r) {
  gate_t* g = r->gate;
  if (r->closing) return 0;
  r->closing = 1;
  if (r->prev != NULL) r->prev->next = r->next;
  else g->relays = r->next;
  if (r->next != NULL) r->next->prev = r->prev;
  /* A pipe may still hold bytes nobody will read: never back into the pool. */
  half_close_pipe(&r->up);
  half_close_pipe(&r->down);
  uv_close((uv_handle_t*)&r->client_poll, on_relay_handle_closed);
  uv_close((uv_handle_t*)&r->upstream_poll, on_relay_handle_closed);
  if (r->has_timer) uv_close((uv_handle_t*)&r->connect_timer, on_relay_handle_closed);
  close(r->up.dst);
  return 1;
}

/* Closes both sides; reports PROXY_END unless `quiet` (teardown). */
static void relay_finish(relay_t* r, int err, int quiet) {
  gate_t* g = r->gate;
  int client = r->up.src;
  if (!relay_detach(r)) return;
  close(client);
  if (!quiet) gate_emit_end(g, G_PROXY_END, client, err);
}

/* A TCP upstream could not be reached (refused, unreachable, or the connect
 * timeout): nothing was relayed, so the client's descriptor goes back to the
 * caller (PROXY_UNREACHABLE), which may still answer it (a fault). */
static void relay_unreachable(relay_t* r, int err) {
  gate_t* g = r->gate;
  int client = r->up.src;
  if (!relay_detach(r)) return;
  gate_emit_end(g, G_PROXY_UNREACHABLE, client, err);
}

static void on_connect_timeout(uv_timer_t* timer) {
  relay_t* r = timer->data;
  if (r->closing || r->gate->closed || !r->connecting) return;
  relay_unreachable(r, UV_ETIMEDOUT);
}

void relay_close_all(gate_t* g) {
  while (g->relays != NULL) relay_finish(g->relays, 0, 1);
  pool_close(g);
}

/* ------------------------------------------------------------------------ */
/* Polling                                                                    */

static void on_relay_event(uv_poll_t* handle, int status, int events);

static void set_events(uv_poll_t* poll, int* current, int wanted) {
  if (wanted == *current) return;
  *current = wanted;
  if (wanted == 0) uv_poll_stop(poll);
  else uv_poll_start(poll, wanted, on_relay_event);
}

static void relay_run(relay_t* r) {
  int err;
  if (r->connecting) {
    /* Writable means connect() finished, either way (connect(2), EINPROGRESS);
     * nothing is read from the client until then. */
    set_events(&r->client_poll, &r->client_events, 0);
    set_events(&r->upstream_poll, &r->upstream_events, UV_WRITABLE);
    return;
  }
  err = half_pump(r->gate, &r->up);
  if (err == 0) err = half_pump(r->gate, &r->down);
  if (err != 0) {
    relay_finish(r, err, 0);
    return;
  }
  if (r->up.shut && r->down.shut) {
    relay_finish(r, 0, 0);
    return;
  }
  /* Wait for what each blocked direction needs: its source readable when it
   * has nothing in flight, its destination writable when it has. */
  set_events(&r->client_poll, &r->client_events,
             (!r->up.eof && r->up.pending == 0 ? UV_READABLE : 0) | (r->down.pending > 0 ? UV_WRITABLE : 0));
  set_events(&r->upstream_poll, &r->upstream_events,
             (!r->down.eof && r->down.pending == 0 ? UV_READABLE : 0) | (r->up.pending > 0 ? UV_WRITABLE : 0));
}

static void on_relay_event(uv_poll_t* handle, int status, int events) {
  relay_t* r = handle->data;
  (void)events;
  if (r->closing || r->gate->closed) return;
  if (status < 0) {
    /* libuv reports POLLERR as UV_EBADF; the socket's own error says more. */
    int fd = handle == &r->client_poll ? r->up.src : r->up.dst, soerr = 0;
    socklen_t len = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0) status = -soerr;
    if (r->connecting && handle == &r->upstream_poll) relay_unreachable(r, status);
    else relay_finish(r, status, 0);
    return;
  }
  if (r->connecting && handle == &r->upstream_poll) {
    int soerr = 0;
    socklen_t len = sizeof soerr;
    if (getsockopt(r->up.dst, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0) soerr = errno;
    if (soerr != 0) {
      relay_unreachable(r, -soerr);
      return;
    }
    r->connecting = 0;
    if (r->has_timer) uv_timer_stop(&r->connect_timer);
    gate_emit_end(r->gate, G_PROXY_CONNECTED, r->up.src, 0);
    if (r->closing) return; /* a handler may have shut the gate */
  }
  relay_run(r);
}

/* ------------------------------------------------------------------------ */
/* JavaScript API                                                             */

/* Starts relaying `client` and `upstream` (both ours from here on, also when
 * this throws: ENOMEM or uv_poll_init closes `upstream` and leaves `client`
 * to the caller). */
static int relay_start(napi_env env, gate_t* g, uv_loop_t* loop, int client, int upstream, const void* preface, size_t length,
                       int connecting, int timeout_ms) {
  relay_t* r = calloc(1, sizeof *r);
  if (r != NULL && length > 0 && (r->up.buf = malloc(length)) == NULL) {
    free(r);
    r = NULL;
  }
  if (r == NULL) {
    close(upstream);
    gate_throw_errno(env, ENOMEM, "malloc");
    return -1;
  }
  if (uv_poll_init(loop, &r->client_poll, client) != 0 || uv_poll_init(loop, &r->upstream_poll, upstream) != 0) {
    /* uv_poll_init on the client can only fail for a descriptor another handle watches. */
    free(r->up.buf);
    free(r);
    close(upstream);
    gate_throw_errno(env, EEXIST, "uv_poll_init");
    return -1;
  }
  r->client_poll.data = r->upstream_poll.data = r;
  r->gate = g;
  r->open_handles = 2;
  r->connecting = connecting;
  g->refs += 2;
  g->handles += 2;
  if (connecting && timeout_ms > 0 && uv_timer_init(loop, &r->connect_timer) == 0) {
    r->connect_timer.data = r;
    r->has_timer = 1;
    r->open_handles++;
    g->refs++;
    g->handles++;
    uv_timer_start(&r->connect_timer, on_connect_timeout, (uint64_t)timeout_ms, 0);
  }
  r->up.src = r->down.dst = client;
  r->up.dst = r->down.src = upstream;
  r->up.pipe[0] = r->up.pipe[1] = r->down.pipe[0] = r->down.pipe[1] = -1;
  if (length > 0) memcpy(r->up.buf, preface, length);
  r->up.pending = length;
  r->next = g->relays;
  if (g->relays != NULL) g->relays->prev = r;
  g->relays = r;
  relay_run(r);
  return 0;
}

/* gateProxy(gate, clientFd, path, preface, pid, uid): connect to the worker's
 * stream socket at `path`; with pid >= 0, its peer (SO_PEERCRED) must be that
 * process and uid, or nothing is written (EPERM). Then relay, and report
 * PROXY_END(clientFd, errno | null). The client's descriptor is the relay's
 * from here on, also when this throws after connecting. Throws with the errno
 * of socket() or connect() (the client's descriptor is then still the
 * caller's). */
static napi_value gate_proxy(napi_env env, napi_callback_info info) {
  size_t argc = 6, length, plen;
  napi_value argv[6];
  int32_t client, pid, uid;
  struct sockaddr_un addr;
  struct ucred cred;
  socklen_t clen = sizeof cred;
  void* preface;
  uv_loop_t* loop;
  gate_t* g;
  int upstream, err;

  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "expected (gate, clientFd, path, preface, pid, uid)");
    return NULL;
  }
  if ((g = gate_get(env, argv[0])) == NULL) return NULL;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (napi_get_value_int32(env, argv[1], &client) != napi_ok ||
      napi_get_value_string_utf8(env, argv[2], addr.sun_path, sizeof addr.sun_path, &plen) != napi_ok ||
      napi_get_buffer_info(env, argv[3], &preface, &length) != napi_ok || napi_get_value_int32(env, argv[4], &pid) != napi_ok ||
      napi_get_value_int32(env, argv[5], &uid) != napi_ok || napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected (gate, clientFd, path, preface, pid, uid)");
    return NULL;
  }
  if (plen == 0 || plen >= sizeof addr.sun_path - 1) {
    gate_throw_errno(env, ENAMETOOLONG, "connect");
    return NULL;
  }
  upstream = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (upstream < 0) {
    gate_throw_errno(env, errno, "socket");
    return NULL;
  }
  while (connect(upstream, (struct sockaddr*)&addr, sizeof addr) != 0) {
    if (errno == EINTR) continue;
    err = errno;
    close(upstream);
    gate_throw_errno(env, err, "connect");
    return NULL;
  }
  /* The daemon may be root: a registrant that named a socket it cannot open
   * itself must not get the daemon to write there for it. */
  if (pid >= 0 && (getsockopt(upstream, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 || cred.pid != pid ||
                   (int32_t)cred.uid != uid)) {
    close(upstream);
    gate_throw_errno(env, EPERM, "SO_PEERCRED");
    return NULL;
  }
  relay_start(env, g, loop, client, upstream, preface, length, 0, 0);
  return NULL;
}

/* gateProxyTcp(gate, clientFd, address, port, preface, timeoutMs): connect to
 * a TCP server at an IPv4 or IPv6 literal without blocking, write `preface`
 * (the client's bytes read so far) once connected, then relay. Reports
 * PROXY_CONNECTED(clientFd) once connected and PROXY_END(clientFd, errno |
 * null) at the end as for gateProxy; or, when the server cannot be reached
 * (refused, unreachable, nothing within timeoutMs: ETIMEDOUT),
 * PROXY_UNREACHABLE(clientFd, errno) with the client's descriptor the
 * caller's again. Throws (the descriptor still the caller's) when the address
 * is not a literal (EINVAL) or socket() fails. */
static napi_value gate_proxy_tcp(napi_env env, napi_callback_info info) {
  size_t argc = 6, alen, length;
  napi_value argv[6];
  int32_t client, port, timeout_ms;
  char address[64];
  struct sockaddr_storage ss;
  socklen_t sslen;
  void* preface;
  uv_loop_t* loop;
  gate_t* g;
  int upstream, err, one = 1;

  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "expected (gate, clientFd, address, port, preface, timeoutMs)");
    return NULL;
  }
  if ((g = gate_get(env, argv[0])) == NULL) return NULL;
  if (napi_get_value_int32(env, argv[1], &client) != napi_ok ||
      napi_get_value_string_utf8(env, argv[2], address, sizeof address, &alen) != napi_ok ||
      napi_get_value_int32(env, argv[3], &port) != napi_ok || napi_get_buffer_info(env, argv[4], &preface, &length) != napi_ok ||
      napi_get_value_int32(env, argv[5], &timeout_ms) != napi_ok || napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected (gate, clientFd, address, port, preface, timeoutMs)");
    return NULL;
  }
  memset(&ss, 0, sizeof ss);
  if (port < 1 || port > 65535) {
    gate_throw_errno(env, EINVAL, "port");
    return NULL;
  }
  if (inet_pton(AF_INET, address, &((struct sockaddr_in*)&ss)->sin_addr) == 1) {
    ((struct sockaddr_in*)&ss)->sin_family = AF_INET;
    ((struct sockaddr_in*)&ss)->sin_port = htons((uint16_t)port);
    sslen = sizeof(struct sockaddr_in);
  } else if (inet_pton(AF_INET6, address, &((struct sockaddr_in6*)&ss)->sin6_addr) == 1) {
    ((struct sockaddr_in6*)&ss)->sin6_family = AF_INET6;
    ((struct sockaddr_in6*)&ss)->sin6_port = htons((uint16_t)port);
    sslen = sizeof(struct sockaddr_in6);
  } else {
    gate_throw_errno(env, EINVAL, "inet_pton");
    return NULL;
  }
  upstream = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (upstream < 0) {
    gate_throw_errno(env, errno, "socket");
    return NULL;
  }
  /* net.tcp exchanges small records both ways: no Nagle delay in the middle. */
  setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  while (connect(upstream, (struct sockaddr*)&ss, sslen) != 0) {
    if (errno == EINTR) continue;
    if (errno == EINPROGRESS) break;
    err = errno;
    close(upstream);
    gate_throw_errno(env, err, "connect");
    return NULL;
  }
  /* Connected at once or not, the relay learns it from writability, so that
   * PROXY_CONNECTED is always reported from the event loop, never from within
   * this call. */
  relay_start(env, g, loop, client, upstream, preface, length, 1, timeout_ms);
  return NULL;
}

napi_status relay_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gateProxy", NULL, gate_proxy, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gateProxyTcp", NULL, gate_proxy_tcp, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
