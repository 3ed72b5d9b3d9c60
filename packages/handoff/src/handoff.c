/*
 * @portshare/handoff native part: pass a connected socket to another process
 * over a Unix SOCK_SEQPACKET socket (SCM_RIGHTS, unix(7)) and read the peer's
 * credentials (SO_PEERCRED, socket(7)).
 *
 * Why C at all: Node has no public API that sends a file descriptor to an
 * unrelated process. Why uv_poll on the receiving side: if libuv read() the
 * socket through a stream handle, the ancillary data would be discarded and
 * the kernel would close the passed descriptors; the socket must be read with
 * recvmsg() only, here.
 *
 * Everything is non-blocking and runs on the Node event loop thread. The
 * TypeScript layer (the src folder) owns validation, queueing and error wording;
 * this file reports failures as Error objects whose `code` is the errno name
 * (EPIPE, ECONNREFUSED, ...) and whose `syscall` names the failing call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "gate.h"
#include "notify.h"

#if !defined(__linux__)
#error "@portshare/handoff needs Linux (SOCK_SEQPACKET, accept4, SO_PEERCRED, MSG_CMSG_CLOEXEC)"
#endif

/* A hand-off carries exactly one descriptor; room for a few more lets the
 * receiver see (and close) extra ones instead of having the kernel drop them
 * silently with MSG_CTRUNC. */
#define HANDOFF_MAX_FDS 4

/* Receiver callback kinds, mirrored in src/native.ts (ReceiverEvent). */
#define EVENT_CONNECTION 0
#define EVENT_MESSAGE 1
#define EVENT_ERROR 2
#define EVENT_DISCONNECT 3

/* accept() on the hand-off socket failing with anything but "nothing to
 * accept" (EMFILE and ENFILE above all: the worker is out of descriptors)
 * leaves the connection in the backlog, and a level-triggered uv_poll would
 * report it again at once: a busy loop. So the receiver stops polling the
 * socket and retries after ACCEPT_RETRY_MS. Why a pause and not the reserve
 * descriptor of libuv's uv__emfile_trick or nginx (close a spare descriptor,
 * accept, close the connection, reopen the spare): the only legitimate peer of
 * this socket is the sharing daemon, whose one connection may already carry
 * queued hand-offs (a Unix connection is established at connect(), before
 * accept(), unix(7)); closing it would drop them, and their clients with
 * them. Waiting keeps everything queued in the kernel until descriptors free
 * up, costs at most 1000 / ACCEPT_RETRY_MS accept() calls a second, and has
 * no window in which another thread (libuv's threadpool opens files) takes
 * the spare descriptor. 100 ms is short next to any descriptor shortage and
 * long enough that the retries cost nothing. */
#define ACCEPT_RETRY_MS 100

/* Failed accept() calls are reported to JavaScript at most once per
 * ACCEPT_REPORT_MS, with how many failed since the last report, so a long
 * shortage gives one warning a second instead of ten. */
#define ACCEPT_REPORT_MS 1000

#define CHECK(env, call)                                                      \
  do {                                                                        \
    if ((call) != napi_ok) return NULL;                                       \
  } while (0)

/* ------------------------------------------------------------------------ */
/* Errors                                                                     */

/* libuv's error codes are the negated errno values on Unix, so uv_err_name
 * gives the symbolic name ("EPIPE") that Node users already know. */
static void throw_errno(napi_env env, int err, const char* syscall) {
  char text[256];
  napi_value code, message, error, sc;
  snprintf(text, sizeof text, "%s failed: %s", syscall, uv_strerror(-err));
  if (napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &code) != napi_ok) return;
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message) != napi_ok) return;
  if (napi_create_error(env, code, message, &error) != napi_ok) return;
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc) == napi_ok) {
    napi_set_named_property(env, error, "syscall", sc);
  }
  napi_throw(env, error);
}

static void throw_type(napi_env env, const char* text) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", text);
}

/* ------------------------------------------------------------------------ */
/* Argument helpers                                                           */

static int get_int(napi_env env, napi_value v, int32_t* out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) {
    throw_type(env, "expected a number");
    return 0;
  }
  return napi_get_value_int32(env, v, out) == napi_ok;
}

/* Copies a socket path into a sockaddr_un. sun_path is 108 bytes on Linux and
 * we always keep the terminating NUL, so the longest usable path is 107
 * bytes (unix(7), "Address format"). */
static int get_address(napi_env env, napi_value v, struct sockaddr_un* addr) {
  size_t len = 0;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    throw_type(env, "expected a path string");
    return 0;
  }
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return 0;
  if (len == 0) {
    throw_errno(env, EINVAL, "sockaddr_un");
    return 0;
  }
  if (len >= sizeof addr->sun_path) {
    throw_errno(env, ENAMETOOLONG, "sockaddr_un");
    return 0;
  }
  return napi_get_value_string_utf8(env, v, addr->sun_path, sizeof addr->sun_path, &len) == napi_ok;
}

/* ------------------------------------------------------------------------ */
/* Calling back into JavaScript from libuv callbacks                          */

/* napi_make_callback runs the callback inside an async context and drains
 * process.nextTick and microtasks afterwards, as Node does for its own I/O.
 * A throwing callback is reported as an uncaught exception, as an event
 * listener's would be. */
static void call_js(napi_env env, napi_ref fn_ref, napi_async_context ctx, size_t argc,
                    napi_value* argv) {
  napi_value fn, recv, result, exception;
  if (napi_get_reference_value(env, fn_ref, &fn) != napi_ok || fn == NULL) return;
  /* napi_make_callback converts the receiver with ToObject: undefined throws. */
  if (napi_get_global(env, &recv) != napi_ok) return;
  if (napi_make_callback(env, ctx, recv, fn, argc, argv, &result) == napi_pending_exception) {
    if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) {
      napi_fatal_exception(env, exception);
    }
  }
}

static napi_status make_async_context(napi_env env, const char* name, napi_async_context* out) {
  napi_value resource_name;
  napi_status s = napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name);
  if (s != napi_ok) return s;
  return napi_async_init(env, NULL, resource_name, out);
}

/* ------------------------------------------------------------------------ */
/* peerCredentials(fd) -> { pid, uid, gid }                                   */

static napi_value peer_credentials(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, pid, uid, gid;
  int32_t fd;
  struct ucred cred;
  socklen_t len = sizeof cred;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_int(env, argv[0], &fd)) return NULL;
  /* SO_PEERCRED reports the credentials the peer had at connect() or
   * socketpair() time, which is what access control needs (socket(7)). */
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    throw_errno(env, errno, "getsockopt");
    return NULL;
  }
  CHECK(env, napi_create_object(env, &result));
  CHECK(env, napi_create_int32(env, cred.pid, &pid));
  CHECK(env, napi_create_uint32(env, cred.uid, &uid));
  CHECK(env, napi_create_uint32(env, cred.gid, &gid));
  CHECK(env, napi_set_named_property(env, result, "pid", pid));
  CHECK(env, napi_set_named_property(env, result, "uid", uid));
  CHECK(env, napi_set_named_property(env, result, "gid", gid));
  return result;
}

/* ------------------------------------------------------------------------ */
/* connect(path) -> fd                                                        */

static napi_value seqpacket_connect(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  struct sockaddr_un addr;
  int fd, err;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_address(env, argv[0], &addr)) return NULL;
  fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    throw_errno(env, errno, "socket");
    return NULL;
  }
  /* A Unix socket connects at once or fails; with O_NONBLOCK a full accept
   * backlog gives EAGAIN instead of blocking the event loop (unix(7)). */
  while (connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
    if (errno == EINTR) continue;
    err = errno;
    close(fd);
    throw_errno(env, err, "connect");
    return NULL;
  }
  CHECK(env, napi_create_int32(env, fd, &result));
  return result;
}

/* ------------------------------------------------------------------------ */
/* sendFd(socket, fd, payload) -> boolean                                     */

/* Sends one message: the payload bytes plus, when fd >= 0, the descriptor as
 * SCM_RIGHTS ancillary data. Returns false when the socket buffer is full
 * (EAGAIN); the caller waits for writability and retries. SOCK_SEQPACKET keeps
 * message boundaries and is all-or-nothing, so there is no partial send. */
static napi_value send_fd(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result;
  int32_t sock, fd;
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = NULL;
  napi_value arraybuffer;
  bool is_typedarray = false;
  struct msghdr msg;
  struct iovec iov;
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  ssize_t n;

  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || !get_int(env, argv[0], &sock) || !get_int(env, argv[1], &fd)) return NULL;
  CHECK(env, napi_is_typedarray(env, argv[2], &is_typedarray));
  if (!is_typedarray) {
    throw_type(env, "expected a Uint8Array payload");
    return NULL;
  }
  /* data already points at byte_offset inside the ArrayBuffer. */
  CHECK(env, napi_get_typedarray_info(env, argv[2], &type, &length, &data, &arraybuffer, &offset));
  if (type != napi_uint8_array) {
    throw_type(env, "expected a Uint8Array payload");
    return NULL;
  }

  memset(&msg, 0, sizeof msg);
  iov.iov_base = data;
  iov.iov_len = length;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (fd >= 0) {
    struct cmsghdr* cmsg;
    memset(&control, 0, sizeof control);
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  }
  /* MSG_NOSIGNAL: a vanished worker must give EPIPE, not kill the daemon
   * with SIGPIPE (send(2)). */
  do {
    n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      CHECK(env, napi_get_boolean(env, false, &result));
      return result;
    }
    throw_errno(env, errno, "sendmsg");
    return NULL;
  }
  CHECK(env, napi_get_boolean(env, true, &result));
  return result;
}

/* ------------------------------------------------------------------------ */
/* Writability poller (sender side)                                           */

/* The poller owns the sender's socket from pollerOpen() on and closes it in
 * pollerClose() or at environment teardown. Memory is freed once both the
 * JavaScript external is collected and the uv handle has closed (refs counts
 * both). */
typedef struct {
  uv_poll_t handle;
  int fd;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  napi_async_cleanup_hook_handle hook;
  int closed;
  int refs;
} poller_t;

static void poller_release(poller_t* p) {
  if (--p->refs == 0) free(p);
}

static void poller_on_close(uv_handle_t* handle) {
  poller_t* p = handle->data;
  /* The handle is fully closed: Node may now finish tearing the environment
   * down (and unload this library, whose code the close callback is). */
  if (p->hook != NULL) napi_remove_async_cleanup_hook(p->hook);
  p->hook = NULL;
  poller_release(p);
}

static void poller_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  poller_release((poller_t*)data);
}

/* Environment teardown (a worker thread exits with the poller open): close the
 * handle without calling JavaScript. The hook stays registered until the close
 * callback has run, because a worker's addons are unloaded right after. */
static void poller_teardown(napi_async_cleanup_hook_handle hook, void* arg) {
  poller_t* p = arg;
  (void)hook;
  if (p->closed) return;
  p->closed = 1;
  uv_close((uv_handle_t*)&p->handle, poller_on_close);
  close(p->fd);
}

static void poller_on_event(uv_poll_t* handle, int status, int events) {
  poller_t* p = handle->data;
  napi_handle_scope scope;
  napi_value argv[1];
  (void)events;
  /* One-shot: the sender re-arms after it tries again. */
  uv_poll_stop(handle);
  if (p->closed) return;
  if (napi_open_handle_scope(p->env, &scope) != napi_ok) return;
  if (status < 0) {
    napi_create_string_utf8(p->env, uv_err_name(status), NAPI_AUTO_LENGTH, &argv[0]);
  } else {
    napi_get_null(p->env, &argv[0]);
  }
  call_js(p->env, p->callback, p->async, 1, argv);
  napi_close_handle_scope(p->env, scope);
}

static poller_t* get_poller(napi_env env, napi_value v) {
  void* data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    throw_type(env, "expected a poller handle");
    return NULL;
  }
  return data;
}

/* pollerOpen(fd, callback(errnoName | null)) -> external; takes ownership of
 * fd only when it succeeds. */
static napi_value poller_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  int32_t fd;
  int rc;
  uv_loop_t* loop;
  poller_t* p;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_int(env, argv[0], &fd)) return NULL;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  p = calloc(1, sizeof *p);
  if (p == NULL) {
    throw_errno(env, ENOMEM, "calloc");
    return NULL;
  }
  rc = uv_poll_init(loop, &p->handle, fd);
  if (rc != 0) {
    free(p);
    throw_errno(env, -rc, "uv_poll_init");
    return NULL;
  }
  p->handle.data = p;
  p->fd = fd;
  p->env = env;
  p->refs = 2; /* the external and the uv handle */
  if (napi_create_reference(env, argv[1], 1, &p->callback) != napi_ok ||
      make_async_context(env, "PortshareHandoffSender", &p->async) != napi_ok ||
      napi_create_external(env, p, poller_finalize, NULL, &result) != napi_ok) {
    /* Nothing references p from JavaScript yet: drop the external's share. */
    p->closed = 1;
    p->refs = 1;
    if (p->callback != NULL) napi_delete_reference(env, p->callback);
    if (p->async != NULL) napi_async_destroy(env, p->async);
    uv_close((uv_handle_t*)&p->handle, poller_on_close);
    return NULL;
  }
  if (napi_add_async_cleanup_hook(env, poller_teardown, p, &p->hook) != napi_ok) p->hook = NULL;
  return result;
}

/* pollerWait(poller): call back once when the socket is writable. */
static napi_value poller_wait(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  poller_t* p;
  int rc;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || (p = get_poller(env, argv[0])) == NULL) return NULL;
  if (p->closed) {
    throw_errno(env, EBADF, "uv_poll_start");
    return NULL;
  }
  rc = uv_poll_start(&p->handle, UV_WRITABLE, poller_on_event);
  if (rc != 0) {
    throw_errno(env, -rc, "uv_poll_start");
    return NULL;
  }
  return NULL;
}

/* pollerClose(poller): stop watching and close the socket. */
static napi_value poller_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  poller_t* p;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || (p = get_poller(env, argv[0])) == NULL) return NULL;
  if (p->closed) return NULL;
  p->closed = 1;
  napi_delete_reference(env, p->callback);
  napi_async_destroy(env, p->async);
  /* uv_close removes the descriptor from epoll at once, so it can be closed
   * right away. */
  uv_close((uv_handle_t*)&p->handle, poller_on_close);
  close(p->fd);
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Receiver: listening socket + accepted connections, all read with recvmsg  */

typedef struct receiver receiver_t;

typedef struct conn {
  uv_poll_t handle;
  int fd;
  int closing;
  receiver_t* owner;
  struct conn* next;
} conn_t;

struct receiver {
  uv_poll_t handle;
  uv_timer_t retry; /* restarts polling after a failed accept(); see ACCEPT_RETRY_MS */
  int fd;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  unsigned char* buf;
  size_t max_payload;
  conn_t* conns;
  pid_t allowed_pid; /* > 0: only this process may connect (SO_PEERCRED); 0: anyone */
  int closed;
  int refed;
  int refs;    /* the external + every open uv handle */
  int handles; /* uv handles not closed yet */
  unsigned accept_failures; /* failed accept() calls not reported yet */
  uint64_t accept_reported; /* uv_now() of the last report, 0 before the first */
  napi_async_cleanup_hook_handle hook;
  dev_t dev;
  ino_t ino;
  char path[sizeof(((struct sockaddr_un*)0)->sun_path)];
};

static void receiver_release(receiver_t* r) {
  if (--r->refs == 0) {
    free(r->buf);
    free(r);
  }
}

/* Called as each uv handle finishes closing. Once none is left, Node may finish
 * tearing the environment down (and unload this library). */
static void receiver_handle_closed(receiver_t* r) {
  if (--r->handles == 0 && r->hook != NULL) {
    napi_remove_async_cleanup_hook(r->hook);
    r->hook = NULL;
  }
  receiver_release(r);
}

static void receiver_on_close(uv_handle_t* handle) { receiver_handle_closed((receiver_t*)handle->data); }

static void conn_on_close(uv_handle_t* handle) {
  conn_t* c = handle->data;
  receiver_t* r = c->owner;
  free(c);
  receiver_handle_closed(r);
}

static void receiver_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  receiver_release((receiver_t*)data);
}

/* Stops reading a connection and closes its descriptor at once; the uv
 * handle's memory goes in its close callback. */
static void conn_close(conn_t* c) {
  receiver_t* r = c->owner;
  conn_t** link;
  if (c->closing) return;
  c->closing = 1;
  for (link = &r->conns; *link != NULL; link = &(*link)->next) {
    if (*link == c) {
      *link = c->next;
      break;
    }
  }
  uv_close((uv_handle_t*)&c->handle, conn_on_close);
  close(c->fd);
}

/* Unlinks the socket file only if it is still ours: a newer receiver may have
 * replaced it after we listened. */
static void receiver_unlink(receiver_t* r) {
  struct stat st;
  if (lstat(r->path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == r->dev &&
      st.st_ino == r->ino) {
    unlink(r->path);
  }
}

static void receiver_shutdown(receiver_t* r) {
  r->closed = 1;
  while (r->conns != NULL) conn_close(r->conns);
  uv_close((uv_handle_t*)&r->retry, receiver_on_close);
  uv_close((uv_handle_t*)&r->handle, receiver_on_close);
  close(r->fd);
  receiver_unlink(r);
}

/* Environment teardown (a worker thread exits with the receiver open): close
 * everything without calling JavaScript; see poller_teardown. */
static void receiver_teardown(napi_async_cleanup_hook_handle hook, void* arg) {
  receiver_t* r = arg;
  (void)hook;
  if (!r->closed) receiver_shutdown(r);
}

/* Each emit_* runs in its own handle scope and may re-enter receiverClose().
 * The JavaScript side (src/receiver.ts) catches whatever its handlers throw,
 * so nothing a handler does reaches call_js as an exception. */
static void emit(receiver_t* r, int kind, size_t extra, napi_value* extra_argv) {
  napi_value argv[5];
  size_t i;
  if (napi_create_int32(r->env, kind, &argv[0]) != napi_ok) return;
  for (i = 0; i < extra && i < 4; i++) argv[i + 1] = extra_argv[i];
  call_js(r->env, r->callback, r->async, (extra < 4 ? extra : 4) + 1, argv);
}

static void emit_connection(receiver_t* r, const struct ucred* cred) {
  napi_handle_scope scope;
  napi_value argv[3];
  if (r->closed || napi_open_handle_scope(r->env, &scope) != napi_ok) return;
  if (napi_create_int32(r->env, cred->pid, &argv[0]) == napi_ok &&
      napi_create_uint32(r->env, cred->uid, &argv[1]) == napi_ok &&
      napi_create_uint32(r->env, cred->gid, &argv[2]) == napi_ok) {
    emit(r, EVENT_CONNECTION, 3, argv);
  }
  napi_close_handle_scope(r->env, scope);
}

/* reason: a short machine word the TypeScript layer maps to an error code. */
static void emit_error(receiver_t* r, int uverr, const char* reason, const char* syscall) {
  napi_handle_scope scope;
  napi_value argv[3];
  if (r->closed || napi_open_handle_scope(r->env, &scope) != napi_ok) return;
  if (uverr < 0) {
    napi_create_string_utf8(r->env, uv_err_name(uverr), NAPI_AUTO_LENGTH, &argv[0]);
  } else {
    napi_get_null(r->env, &argv[0]);
  }
  napi_create_string_utf8(r->env, reason, NAPI_AUTO_LENGTH, &argv[1]);
  napi_create_string_utf8(r->env, syscall, NAPI_AUTO_LENGTH, &argv[2]);
  emit(r, EVENT_ERROR, 3, argv);
  napi_close_handle_scope(r->env, scope);
}

/* (ERROR, errnoName, "ACCEPT_PAUSED", "accept4", failures since the last report). */
static void emit_accept_paused(receiver_t* r, int uverr, unsigned failures) {
  napi_handle_scope scope;
  napi_value argv[4];
  if (r->closed || napi_open_handle_scope(r->env, &scope) != napi_ok) return;
  if (napi_create_string_utf8(r->env, uv_err_name(uverr), NAPI_AUTO_LENGTH, &argv[0]) == napi_ok &&
      napi_create_string_utf8(r->env, "ACCEPT_PAUSED", NAPI_AUTO_LENGTH, &argv[1]) == napi_ok &&
      napi_create_string_utf8(r->env, "accept4", NAPI_AUTO_LENGTH, &argv[2]) == napi_ok &&
      napi_create_uint32(r->env, failures, &argv[3]) == napi_ok) {
    emit(r, EVENT_ERROR, 4, argv);
  }
  napi_close_handle_scope(r->env, scope);
}

static void emit_disconnect(receiver_t* r) {
  napi_handle_scope scope;
  if (r->closed || napi_open_handle_scope(r->env, &scope) != napi_ok) return;
  emit(r, EVENT_DISCONNECT, 0, NULL);
  napi_close_handle_scope(r->env, scope);
}

/* What a received descriptor is. A worker turns it into a net.Socket, which
 * Node can do only for a TCP or Unix stream socket (uv_guess_handle) and
 * which is no connection at all on a listening socket; anything else must be
 * refused before JavaScript wraps it (HandoffReceiverOptions.streamSocketsOnly).
 * fstat(2) for the file type; SO_TYPE, SO_DOMAIN, SO_ACCEPTCONN (socket(7)).
 * The names are mirrored in src/receiver.ts (DescriptorKind). */
static const char* descriptor_kind(int fd) {
  struct stat st;
  int value = 0;
  socklen_t len = sizeof value;
  if (fstat(fd, &st) != 0) return "other";
  if (S_ISREG(st.st_mode)) return "file";
  if (S_ISFIFO(st.st_mode)) return "pipe";
  if (S_ISDIR(st.st_mode)) return "directory";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return "device";
  if (!S_ISSOCK(st.st_mode)) return "other";
  /* An O_PATH descriptor of a socket file passes fstat but not getsockopt. */
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &len) != 0) return "other";
  if (value == SOCK_DGRAM) return "datagram-socket";
  if (value == SOCK_SEQPACKET) return "seqpacket-socket";
  if (value != SOCK_STREAM) return "other-socket";
  len = sizeof value;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &value, &len) != 0 ||
      (value != AF_INET && value != AF_INET6 && value != AF_UNIX)) {
    return "other-socket";
  }
  len = sizeof value;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &len) != 0) return "other-socket";
  return value ? "listening-socket" : "stream-socket";
}

/* (MESSAGE, fd, payload, descriptor kind). */
static void emit_message(receiver_t* r, int fd, size_t length) {
  napi_handle_scope scope;
  napi_value argv[3];
  void* copy;
  if (r->closed || napi_open_handle_scope(r->env, &scope) != napi_ok) {
    close(fd);
    return;
  }
  if (napi_create_int32(r->env, fd, &argv[0]) != napi_ok ||
      napi_create_buffer_copy(r->env, length, r->buf, &copy, &argv[1]) != napi_ok ||
      napi_create_string_utf8(r->env, descriptor_kind(fd), NAPI_AUTO_LENGTH, &argv[2]) != napi_ok) {
    close(fd); /* never leak a descriptor we could not hand to JavaScript */
    napi_close_handle_scope(r->env, scope);
    return;
  }
  emit(r, EVENT_MESSAGE, 3, argv);
  napi_close_handle_scope(r->env, scope);
}

static void close_fds(const int* fds, int count) {
  int i;
  for (i = 0; i < count; i++) close(fds[i]);
}

/* Reads one message. Returns 1 when another read may follow, 0 when the
 * queue is empty (EAGAIN), -1 when the connection was closed. */
static int conn_read_one(conn_t* c) {
  receiver_t* r = c->owner;
  struct msghdr msg;
  struct iovec iov;
  struct cmsghdr* cmsg;
  union {
    char buf[CMSG_SPACE(sizeof(int) * HANDOFF_MAX_FDS)];
    struct cmsghdr align;
  } control;
  int fds[HANDOFF_MAX_FDS];
  int nfds = 0;
  ssize_t n;

  memset(&msg, 0, sizeof msg);
  iov.iov_base = r->buf;
  iov.iov_len = r->max_payload;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  /* MSG_CMSG_CLOEXEC: received descriptors must not leak into children the
   * worker spawns (recvmsg(2)). */
  n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  if (n < 0) {
    int err = errno;
    if (err == EINTR) return 1;
    if (err == EAGAIN || err == EWOULDBLOCK) return 0;
    conn_close(c);
    /* ECONNRESET is the sender closing with messages of ours unread: an
     * ordinary disconnect, not a receive failure. */
    if (err != ECONNRESET) emit_error(r, -err, "RECV", "recvmsg");
    emit_disconnect(r);
    return -1;
  }
  for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
      size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      size_t i;
      for (i = 0; i < count && nfds < HANDOFF_MAX_FDS; i++) {
        memcpy(&fds[nfds++], CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
      }
    }
  }
  /* A zero-length read with no ancillary data is the end of the stream (the
   * sender closed). SOCK_SEQPACKET cannot tell it apart from an empty message
   * without a descriptor, and no valid hand-off looks like that. */
  if (n == 0 && msg.msg_controllen == 0 && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) == 0) {
    conn_close(c);
    emit_disconnect(r);
    return -1;
  }
  /* Every descriptor that reached us is either handed to JavaScript or
   * closed here: nothing leaks on a malformed message. */
  if (msg.msg_flags & MSG_CTRUNC) {
    close_fds(fds, nfds);
    emit_error(r, 0, "CTRUNC", "recvmsg");
  } else if (msg.msg_flags & MSG_TRUNC) {
    close_fds(fds, nfds);
    emit_error(r, 0, "TRUNC", "recvmsg");
  } else if (nfds == 0) {
    emit_error(r, 0, "NO_FD", "recvmsg");
  } else if (nfds > 1) {
    close_fds(fds, nfds);
    emit_error(r, 0, "TOO_MANY_FDS", "recvmsg");
  } else {
    emit_message(r, fds[0], (size_t)n);
  }
  return 1;
}

static void conn_on_readable(uv_poll_t* handle, int status, int events) {
  conn_t* c = handle->data;
  receiver_t* r = c->owner;
  int more = 1;
  (void)events;
  /* Drain every queued message; stop if a callback closed us. */
  while (more > 0 && !c->closing && !r->closed) more = conn_read_one(c);
  if (status < 0 && more == 0 && !c->closing && !r->closed) {
    /* libuv reports POLLERR as a status and stops the handle; messages queued
     * before the error were read above, now take the real error and close. */
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    conn_close(c);
    if (err != 0 && err != ECONNRESET) emit_error(r, -err, "RECV", "recvmsg");
    emit_disconnect(r);
  }
}

static void receiver_on_acceptable(uv_poll_t* handle, int status, int events);

static void receiver_on_retry(uv_timer_t* timer) {
  receiver_t* r = timer->data;
  int rc;
  if (r->closed) return;
  rc = uv_poll_start(&r->handle, UV_READABLE, receiver_on_acceptable);
  if (rc != 0) emit_error(r, rc, "POLL", "uv_poll_start");
}

/* accept() failed with the connection still queued: pause, and report at
 * most once per ACCEPT_REPORT_MS (see ACCEPT_RETRY_MS). */
static void receiver_pause_accepting(receiver_t* r, int err) {
  uint64_t now = uv_now(r->handle.loop);
  uv_poll_stop(&r->handle);
  uv_timer_start(&r->retry, receiver_on_retry, ACCEPT_RETRY_MS, 0);
  r->accept_failures++;
  if (r->accept_reported == 0 || now - r->accept_reported >= ACCEPT_REPORT_MS) {
    unsigned failures = r->accept_failures;
    r->accept_failures = 0;
    r->accept_reported = now > 0 ? now : 1;
    emit_accept_paused(r, -err, failures);
  }
}

static void receiver_on_acceptable(uv_poll_t* handle, int status, int events) {
  receiver_t* r = handle->data;
  uv_loop_t* loop = handle->loop;
  (void)events;
  if (status < 0) {
    emit_error(r, status, "POLL", "uv_poll");
    return;
  }
  while (!r->closed) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    conn_t* c;
    int rc;
    int fd = accept4(r->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      int err = errno;
      if (err == EINTR || err == ECONNABORTED) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) return;
      /* EMFILE, ENFILE, ENOBUFS, ENOMEM, or anything else that leaves the
       * connection queued: polling again now would spin. */
      receiver_pause_accepting(r, err);
      return;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      int err = errno;
      close(fd);
      emit_error(r, -err, "ACCEPT", "getsockopt");
      continue;
    }
    /* A sender other than the allowed process is closed before it can pass anything. */
    if (r->allowed_pid > 0 && cred.pid != r->allowed_pid) {
      close(fd);
      emit_error(r, UV_EPERM, "REFUSED", "accept4");
      continue;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL) {
      close(fd);
      emit_error(r, UV_ENOMEM, "ACCEPT", "calloc");
      continue;
    }
    rc = uv_poll_init(loop, &c->handle, fd);
    if (rc != 0) {
      /* uv_poll_init fails before it registers the handle: plain free. */
      free(c);
      close(fd);
      emit_error(r, rc, "ACCEPT", "uv_poll_init");
      continue;
    }
    c->handle.data = c;
    c->fd = fd;
    c->owner = r;
    c->next = r->conns;
    r->conns = c;
    r->refs++;
    r->handles++;
    if (!r->refed) uv_unref((uv_handle_t*)&c->handle);
    rc = uv_poll_start(&c->handle, UV_READABLE, conn_on_readable);
    if (rc != 0) {
      conn_close(c);
      emit_error(r, rc, "ACCEPT", "uv_poll_start");
      continue;
    }
    emit_connection(r, &cred);
  }
}

static receiver_t* get_receiver(napi_env env, napi_value v) {
  void* data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    throw_type(env, "expected a receiver handle");
    return NULL;
  }
  return data;
}

/* listen(path, mode, backlog, maxPayload, callback) -> external
 * callback(kind, ...): see EVENT_* above. */
static napi_value receiver_listen(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], result;
  struct sockaddr_un addr;
  struct stat st;
  int32_t mode, backlog, max_payload;
  uv_loop_t* loop;
  receiver_t* r;
  int fd, rc, err;
  const char* syscall;

  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5 || !get_address(env, argv[0], &addr) || !get_int(env, argv[1], &mode) ||
      !get_int(env, argv[2], &backlog) || !get_int(env, argv[3], &max_payload)) {
    return NULL;
  }
  if (max_payload < 1) {
    throw_errno(env, EINVAL, "listen");
    return NULL;
  }
  CHECK(env, napi_get_uv_event_loop(env, &loop));

  /* A socket file left by a receiver that died is removed; any other kind of
   * file is left alone and reported. */
  if (lstat(addr.sun_path, &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      throw_errno(env, EADDRINUSE, "bind");
      return NULL;
    }
    if (unlink(addr.sun_path) != 0 && errno != ENOENT) {
      throw_errno(env, errno, "unlink");
      return NULL;
    }
  }

  fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    throw_errno(env, errno, "socket");
    return NULL;
  }
  if (bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
    err = errno;
    close(fd);
    throw_errno(env, err, "bind");
    return NULL;
  }
  /* chmod before listen(): until listen() every connect() is refused, so no
   * peer can get in under the umask's looser mode. */
  syscall = "chmod";
  if (chmod(addr.sun_path, (mode_t)mode) != 0) goto fail_bound;
  syscall = "lstat";
  if (lstat(addr.sun_path, &st) != 0) goto fail_bound;
  syscall = "listen";
  if (listen(fd, backlog) != 0) goto fail_bound;

  r = calloc(1, sizeof *r);
  if (r != NULL) r->buf = malloc((size_t)max_payload);
  if (r == NULL || r->buf == NULL) {
    if (r != NULL) free(r);
    errno = ENOMEM;
    syscall = "malloc";
    goto fail_bound;
  }
  rc = uv_poll_init(loop, &r->handle, fd);
  if (rc != 0) {
    free(r->buf);
    free(r);
    errno = -rc;
    syscall = "uv_poll_init";
    goto fail_bound;
  }
  uv_timer_init(loop, &r->retry); /* cannot fail (libuv: always 0) */
  r->handle.data = r;
  r->retry.data = r;
  r->fd = fd;
  r->env = env;
  r->max_payload = (size_t)max_payload;
  r->refed = 1;
  r->refs = 3; /* the external, the listening handle and the retry timer */
  r->handles = 2;
  r->dev = st.st_dev;
  r->ino = st.st_ino;
  memcpy(r->path, addr.sun_path, sizeof r->path);
  rc = uv_poll_start(&r->handle, UV_READABLE, receiver_on_acceptable);
  if (rc != 0 || napi_create_reference(env, argv[4], 1, &r->callback) != napi_ok ||
      make_async_context(env, "PortshareHandoffReceiver", &r->async) != napi_ok ||
      napi_create_external(env, r, receiver_finalize, NULL, &result) != napi_ok) {
    r->refs = 2; /* no external was handed out */
    if (r->callback != NULL) napi_delete_reference(env, r->callback);
    if (r->async != NULL) napi_async_destroy(env, r->async);
    receiver_shutdown(r);
    if (rc != 0) throw_errno(env, -rc, "uv_poll_start");
    return NULL;
  }
  if (napi_add_async_cleanup_hook(env, receiver_teardown, r, &r->hook) != napi_ok) r->hook = NULL;
  return result;

fail_bound:
  err = errno;
  close(fd);
  unlink(addr.sun_path);
  throw_errno(env, err, syscall);
  return NULL;
}

/* receiverClose(receiver): stop, close every descriptor, unlink the path. */
static napi_value receiver_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  receiver_t* r;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || (r = get_receiver(env, argv[0])) == NULL) return NULL;
  if (r->closed) return NULL;
  receiver_shutdown(r);
  napi_delete_reference(env, r->callback);
  napi_async_destroy(env, r->async);
  return NULL;
}

/* receiverRef(receiver, bool): whether the open receiver keeps the loop alive. */
static napi_value receiver_ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  receiver_t* r;
  bool on;
  conn_t* c;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || (r = get_receiver(env, argv[0])) == NULL) return NULL;
  CHECK(env, napi_get_value_bool(env, argv[1], &on));
  if (r->closed) return NULL;
  r->refed = on;
  /* The retry timer follows too: while accepting is paused it is the only
   * active handle of the listening side. */
  if (on) {
    uv_ref((uv_handle_t*)&r->handle);
    uv_ref((uv_handle_t*)&r->retry);
    for (c = r->conns; c != NULL; c = c->next) uv_ref((uv_handle_t*)&c->handle);
  } else {
    uv_unref((uv_handle_t*)&r->handle);
    uv_unref((uv_handle_t*)&r->retry);
    for (c = r->conns; c != NULL; c = c->next) uv_unref((uv_handle_t*)&c->handle);
  }
  return NULL;
}

/* receiverAllowSender(receiver, pid): only that process may connect from now on; 0: anyone. */
static napi_value receiver_allow_sender(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  receiver_t* r;
  int32_t pid;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || (r = get_receiver(env, argv[0])) == NULL) return NULL;
  CHECK(env, napi_get_value_int32(env, argv[1], &pid));
  r->allowed_pid = pid > 0 ? (pid_t)pid : 0;
  return NULL;
}

/* ------------------------------------------------------------------------ */

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"peerCredentials", NULL, peer_credentials, NULL, NULL, NULL, napi_enumerable, NULL},
      {"connect", NULL, seqpacket_connect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendFd", NULL, send_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollerOpen", NULL, poller_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollerWait", NULL, poller_wait, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollerClose", NULL, poller_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"listen", NULL, receiver_listen, NULL, NULL, NULL, napi_enumerable, NULL},
      {"receiverClose", NULL, receiver_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"receiverRef", NULL, receiver_ref, NULL, NULL, NULL, napi_enumerable, NULL},
      {"receiverAllowSender", NULL, receiver_allow_sender, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok ||
      gate_init(env, exports) != napi_ok || notify_init(env, exports) != napi_ok) {
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
