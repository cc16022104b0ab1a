/*
 * RightMoment plugin ABI.
 *
 * This pure C header (C99 and C++) is the only public surface of librightmoment.so. A contact-centre
 * host loads the library with dlopen(), looks up the one exported symbol RM_ENTRY_SYMBOL
 * ("rightmoment_get_api"), calls it with the ABI version it was compiled against, and talks to the
 * plugin only through the function table it returns.
 *
 * Conventions (after CLAP and Envoy's dynamic modules):
 *  - Every struct that crosses the boundary starts with `struct_size`; the plugin reads only the
 *    fields that fit in the size the host gave, and the host reads only the fields that fit in the
 *    size the plugin gave. New fields and functions are only ever appended, under a
 *    "minor N and later" comment. A host built for 1.x works with any 1.y plugin.
 *  - Strings cross as (pointer, length) pairs, UTF-8, not necessarily NUL-terminated, unless a
 *    comment says otherwise. Nothing the plugin passes to a callback is owned by the host: copy it
 *    before the callback returns.
 *  - Errors are return codes (rm_status) plus a message: rm_last_error() on the same thread.
 *    No C++ exception ever crosses this boundary; a bad call returns RM_ERR_INVALID_ARGUMENT.
 *  - Threads are named in every comment: "any thread" means the function is thread-safe.
 *
 * The JSON formats that cross this boundary are described, with checked examples, in the project's
 * docs/reference/ (installed under share/doc/rightmoment/reference/): events.md (submit_event),
 * prompts.md (deliver_prompt, submit_feedback), history-import.md (import_history).
 */
#ifndef RIGHTMOMENT_PLUGIN_H
#define RIGHTMOMENT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RM_ABI_MAJOR 1
#define RM_ABI_MINOR 2

#if defined(_WIN32)
#define RM_EXPORT __declspec(dllexport)
#else
#define RM_EXPORT __attribute__((visibility("default")))
#endif

/* Return codes. 0 is success; every other value comes with a message from rm_api.last_error(). */
typedef enum rm_status {
  RM_OK = 0,
  RM_ERR_INVALID_ARGUMENT = 1, /* a NULL pointer, a wrong struct_size, bad JSON or a bad event */
  RM_ERR_CONFIG = 2,           /* the configuration or a file it names is wrong (message: file:line: key: why) */
  RM_ERR_STATE = 3,            /* not allowed now (e.g. start twice, destroy from a callback) */
  RM_ERR_BUSY = 4,             /* a bounded queue is full; try again later */
  RM_ERR_TIMEOUT = 5,          /* a wait ran out of time */
  RM_ERR_UNAVAILABLE = 6,      /* a dependency (the history store, a port) is not available */
  RM_ERR_VERSION = 7,          /* the host asked for an ABI major this plugin does not implement */
  RM_ERR_INTERNAL = 8          /* a bug: the plugin stays usable and logged the details */
} rm_status;

typedef enum rm_log_level {
  RM_LOG_TRACE = 0,
  RM_LOG_DEBUG = 1,
  RM_LOG_INFO = 2,
  RM_LOG_WARN = 3,
  RM_LOG_ERROR = 4
} rm_log_level;

/* An opaque plugin instance. Several may live in one process; they share nothing. */
typedef struct rm_plugin rm_plugin;

/* Receives bytes the plugin writes for the host (status JSON, import reports). Called synchronously,
 * before the function that takes it returns, on the caller's thread. The bytes are valid only
 * during the call. */
typedef void (*rm_write_fn)(void* ctx, const char* data, size_t len);

/* Functions the host implements. The plugin copies this struct at create(); host_data is passed
 * back as the first argument of every callback and is never touched otherwise. */
typedef struct rm_host_callbacks {
  uint32_t struct_size; /* sizeof(rm_host_callbacks) as the host compiled it */
  void* host_data;

  /* One log line (no trailing newline). Thread: the plugin's log thread, one call at a time, in the
   * order the lines were written (several instances have one log thread each). Never called with
   * any of the plugin's internal locks held, so the host may call submit_event(), submit_feedback(),
   * read_status() and mint_agent_link() from inside it; start(), stop(), destroy(), drain(),
   * import_history() and reload_rules() return RM_ERR_STATE there (destroy() does nothing). A slow
   * callback never delays the event path: up to 8192 lines wait, and past that new lines are dropped
   * and counted (read_status(): "log"."host_lines_dropped"). Lines still waiting are delivered before
   * stop() and destroy() return; none is delivered after destroy(). May be NULL (logs are dropped;
   * they still go to the configured sinks). Log lines never contain transcript text. */
  void (*log)(void* host_data, rm_log_level level, const char* message, size_t len);

  /* One prompt (docs/reference/prompts.md) as a UTF-8 JSON object. Thread: the plugin's delivery
   * thread only, one call at a time, in the order the prompts were raised; never an I/O thread.
   * A slow callback delays later prompts but never the event path: prompts wait in a bounded queue
   * (delivery_queue_limit), and when it is full the newest prompt is dropped, counted and logged.
   * From inside it the host may call submit_event(), submit_feedback(), read_status() and
   * mint_agent_link(); start(), stop(), destroy(), drain(), import_history() and reload_rules()
   * return RM_ERR_STATE there (destroy() does nothing). While stop() runs on another thread, this
   * callback keeps being called for the prompts queued before it, until stop's timeout; prompts
   * still queued then are dropped and counted. May be NULL (prompts still reach the pop-up page and
   * the outcome record). */
  void (*deliver_prompt)(void* host_data, const char* json, size_t len);
} rm_host_callbacks;

/* How to create a plugin instance. Exactly one of config_path / config_text is set. */
typedef struct rm_create_options {
  uint32_t struct_size; /* sizeof(rm_create_options) */
  /* Path of the configuration file (JSON with comments), NUL-terminated; relative paths inside
   * it are resolved against its folder. Borrowed for the duration of create(). */
  const char* config_path;
  /* Or the configuration text itself (relative paths resolve against the current directory).
   * Borrowed for the duration of create(). */
  const char* config_text;
  size_t config_text_len;
  /* Copied by create(); may be NULL (no callbacks). */
  const rm_host_callbacks* callbacks;
} rm_create_options;

/* The function table. Obtained from rightmoment_get_api(); static, valid until dlclose(). */
typedef struct rm_api {
  uint32_t struct_size; /* sizeof(rm_api) as the plugin compiled it: check before using late fields */
  uint16_t abi_major;   /* RM_ABI_MAJOR of the plugin */
  uint16_t abi_minor;   /* RM_ABI_MINOR of the plugin */
  const char* plugin_version; /* NUL-terminated, e.g. "0.1.0"; static */

  /* The last error message on this thread (NUL-terminated), set by the last call on this thread
   * that failed; "" when it succeeded. Owned by the plugin, valid until the next rm_api call on the
   * same thread. Thread: any. Never fails. */
  const char* (*last_error)(void);

  /* Creates an instance: reads and validates the configuration, compiles the rules, opens the
   * history store. Does not open listeners or start threads (see start()). On success *out is the
   * new instance, owned by the host until destroy(). On failure *out is NULL and last_error() says
   * what is wrong (for a configuration: every problem, one a line, "file:line: key: why").
   * Thread: any. */
  rm_status (*create)(const rm_create_options* options, rm_plugin** out);

  /* Starts threads, listeners and clients. When it returns RM_OK every listener is bound; its URL
   * is in read_status() ("listeners"). Calling it twice returns RM_ERR_STATE. Thread: the thread
   * that owns the instance (the one that calls create/start/stop/destroy), not a callback. */
  rm_status (*start)(rm_plugin* plugin);

  /* Stops accepting events, closes connections, drains what was accepted (processes the events,
   * delivers the prompts, flushes the outcome record) for at most timeout_ms, then joins every
   * plugin thread. Safe to call twice and on an instance never started. Returns RM_ERR_TIMEOUT if
   * the drain did not finish (everything is still stopped). Thread: the owning thread; from a
   * callback it returns RM_ERR_STATE. */
  rm_status (*stop)(rm_plugin* plugin, uint32_t timeout_ms);

  /* Stops if needed (as stop() with a 5 s drain) and frees the instance. NULL is a no-op. After it
   * returns no callback will be called for this instance. Thread: the owning thread, never from a
   * callback. */
  void (*destroy)(rm_plugin* plugin);

  /* Submits one canonical event (docs/reference/events.md), for hosts that already have events
   * and need no WebSocket. The JSON is copied before it returns. Returns RM_OK when accepted,
   * RM_ERR_INVALID_ARGUMENT when it is refused (last_error() has the error reply of events.md:
   * {"type":"error","code":...,"message":...,"event_id":...}), RM_ERR_BUSY when the engine's inbox
   * is full, RM_ERR_STATE when not started. Never blocks. Thread: any, including from a callback. */
  rm_status (*submit_event)(rm_plugin* plugin, const char* json, size_t len);

  /* An agent's answer to a prompt:
   * {"type":"prompt.feedback","prompt_id":"...","action":"accepted"|"dismissed"|"snoozed",
   *  "agent_id":"...","ts":"..."}. Stored with the outcome record. Copied before it returns.
   * Thread: any, including from a callback. */
  rm_status (*submit_feedback)(rm_plugin* plugin, const char* json, size_t len);

  /* Waits until every event accepted before this call has been processed and every prompt it
   * raised has been delivered, for at most timeout_ms. RM_ERR_TIMEOUT otherwise. Thread: any but
   * a callback (RM_ERR_STATE: it would wait for itself). */
  rm_status (*drain)(rm_plugin* plugin, uint32_t timeout_ms);

  /* Writes the status and metrics as one JSON object to write(ctx, ...): state, listeners with
   * their URLs, counters (events by adapter and type, rejections by code, prompts by rule and
   * kind, feedback by action), gauges (active interactions, connections, queue depths),
   * latency summaries. Thread: any, including from a callback. */
  rm_status (*read_status)(rm_plugin* plugin, rm_write_fn write, void* ctx);

  /* Imports a customer-history file (docs/reference/history-import.md, JSON Lines) into the configured
   * store: idempotent upserts; bad lines are reported and skipped. Writes a JSON report
   * {"lines":N,"imported":{...},"bad_lines":[{"line":N,"reason":"..."}]} to write(ctx, ...) (may
   * be NULL). Returns RM_OK when every line was good, RM_ERR_INVALID_ARGUMENT when some were bad
   * (the others are imported), RM_ERR_UNAVAILABLE when the store or file cannot be used. Blocks
   * for the duration of the import. Thread: any but a callback; may run while started. */
  rm_status (*import_history)(rm_plugin* plugin, const char* path, rm_write_fn write, void* ctx);

  /* Recompiles the rule and lexicon files named by the configuration and swaps them in for new
   * events; interactions in progress keep going. Any error keeps the old rules running and
   * returns RM_ERR_CONFIG with every problem in last_error(). Thread: any but a callback. */
  rm_status (*reload_rules)(rm_plugin* plugin);

  /* --- minor 1 and later: append below this line --- */

  /* Since 1.1 (check struct_size first). Writes to write(ctx, ...) the address of agent_id's pop-up
   * page (docs/popup.md): the configured popup.public_url, or the bound address, with a link signed
   * by HMAC-SHA256 that expires after ttl_seconds (0: the configured popup.link_ttl_s). The page and
   * its WebSocket refuse a wrong or expired link. agent_id is UTF-8, 1..128 bytes, not NUL-terminated
   * (agent_id_len). Returns RM_ERR_CONFIG when no "popup" is configured, RM_ERR_STATE before start()
   * unless public_url is set. Thread: any, including from a callback. */
  rm_status (*mint_agent_link)(rm_plugin* plugin, const char* agent_id, size_t agent_id_len, uint32_t ttl_seconds,
                               rm_write_fn write, void* ctx);

  /* Since 1.2 (check struct_size first). Like mint_agent_link, for the supervisor page of
   * supervisor_id (docs/supervisor.md): PUBLIC_URL/supervisor?supervisor=ID&exp=UNIX&sig=HEX, signed
   * with the role "supervisor", so that no agent's link opens it and no supervisor's link opens an
   * agent's pop-up. Same arguments, limits, errors and threads as mint_agent_link. */
  rm_status (*mint_supervisor_link)(rm_plugin* plugin, const char* supervisor_id, size_t supervisor_id_len,
                                    uint32_t ttl_seconds, rm_write_fn write, void* ctx);
} rm_api;

/* The one exported symbol. Returns the function table if this plugin implements host_abi_major
 * (and any minor: a host reads only the fields inside struct_size), else NULL. Thread: any. */
#define RM_ENTRY_SYMBOL "rightmoment_get_api"
typedef const rm_api* (*rm_get_api_fn)(uint16_t host_abi_major, uint16_t host_abi_minor);
RM_EXPORT const rm_api* rightmoment_get_api(uint16_t host_abi_major, uint16_t host_abi_minor);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RIGHTMOMENT_PLUGIN_H */
