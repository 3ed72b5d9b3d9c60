/* The front gate's internals, shared by gate.c (accept, first reads,
 * faults) and relay.c (proxy mode: bytes moved between a client and a
 * worker's stream socket). Not part of the addon's interface. */
#ifndef PORTSHARE_GATE_INTERNAL_H
#define PORTSHARE_GATE_INTERNAL_H

#include <stdint.h>
#include <stddef.h>

#include <node_api.h>
#include <uv.h>

/* Callback kinds, mirrored in src/native.ts (GateEvent). */
#define G_ACCEPT 0
#define G_BLOCKED 1
#define G_DATA 2
#define G_END 3
#define G_CLOSED 4
#define G_EMFILE 5
#define G_PROXY_END 6
#define G_PROXY_CONNECTED 7
#define G_PROXY_UNREACHABLE 8

#define MAX_RESERVE 64
/* Pipes kept for splice(2) between uses: a relay holds one per direction only
 * while bytes are in flight, so idle proxied connections hold none. */
#define PIPE_POOL 64

enum { C_READING = 1, C_STOPPED, C_FAULT_WRITE, C_FAULT_DRAIN };

typedef struct gate gate_t;
typedef struct relay relay_t;

typedef struct listener {
  uv_poll_t handle;
  int fd;
  int polling;
  gate_t* gate;
  struct listener* next;
} listener_t;

typedef struct gconn {
  uv_poll_t handle;
  int fd;
  int state;
  size_t limit; /* bytes we may still read (C_READING) or drain (C_FAULT_DRAIN) */
  unsigned char* out;
  size_t out_len, out_off;
  gate_t* gate;
} gconn_t;


struct gate {
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  napi_async_cleanup_hook_handle hook;
  listener_t* listeners;
  gconn_t** by_fd;
  int by_fd_cap;
  int64_t budget;
  int probe; /* poll while the budget is 0, to learn that someone waits */
  int reserve[MAX_RESERVE];
  int reserve_want;
  int reserve_held;
  uv_timer_t retry;
  double emfile_count;
  relay_t* relays;
  int pipes[PIPE_POOL][2];
  int pipes_held;
  int unrefed; /* listeners and the retry timer do not keep the loop alive */
  int closed;
  int refs;    /* the external + every open uv handle */
  int handles; /* uv handles not closed yet */
};

/* gate.c */
void gate_handle_closed(gate_t* g);
void gate_emit(gate_t* g, int kind, size_t argc, napi_value* args);
/* (kind, fd, errno name | null); err is 0 or a negative errno. */
void gate_emit_end(gate_t* g, int kind, int fd, int err);
void gate_throw_errno(napi_env env, int err, const char* syscall);
/* The gate behind a JavaScript handle; NULL (with an exception, or shut) otherwise. */
gate_t* gate_get(napi_env env, napi_value v);

/* relay.c */
napi_status relay_init(napi_env env, napi_value exports);
void relay_close_all(gate_t* g);

#endif
