/* NPC Bridge C API: what Unity (P/Invoke) and other C callers use.
 *
 * Conventions
 * - Opaque handles; every string in and out is UTF-8 and NUL-terminated.
 * - Every function returns an npcb_result mirroring gRPC status codes, plus
 *   NPCB_CONNECTION_FAILED when the host cannot be reached at connect time.
 *   A NULL handle or argument is NPCB_INVALID_ARGUMENT, never a crash.
 * - On failure, npcb_last_error() describes it (per thread, valid until the
 *   next call on that thread).
 * - Ownership: a char* returned through an out-parameter belongs to the caller
 *   and is released with npcb_free_string(). Pointers inside an npcb_event are
 *   owned by the library and valid only during the callback that receives it.
 * - Structured values are JSON in protobuf's mapping of the .proto messages,
 *   with the .proto field names (e.g. {"character": {"id": "greta", ...}}).
 * - Threads: submitting is thread-safe. Events (stream deltas, completions,
 *   errors, connection changes) are queued and delivered only by npcb_poll(),
 *   on the thread that calls it; the library never calls back from its own threads.
 */
#ifndef NPCBRIDGE_H
#define NPCBRIDGE_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  if defined(NPCB_BUILDING_LIBRARY)
#    define NPCB_C_API __declspec(dllexport)
#  else
#    define NPCB_C_API __declspec(dllimport)
#  endif
#else
#  define NPCB_C_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct npcb_client npcb_client;

typedef enum npcb_result {
  NPCB_OK = 0, NPCB_CANCELLED = 1, NPCB_UNKNOWN = 2, NPCB_INVALID_ARGUMENT = 3, NPCB_DEADLINE_EXCEEDED = 4,
  NPCB_NOT_FOUND = 5, NPCB_ALREADY_EXISTS = 6, NPCB_PERMISSION_DENIED = 7, NPCB_RESOURCE_EXHAUSTED = 8,
  NPCB_FAILED_PRECONDITION = 9, NPCB_ABORTED = 10, NPCB_OUT_OF_RANGE = 11, NPCB_UNIMPLEMENTED = 12,
  NPCB_INTERNAL = 13, NPCB_UNAVAILABLE = 14, NPCB_DATA_LOSS = 15, NPCB_UNAUTHENTICATED = 16,
  NPCB_CONNECTION_FAILED = 100
} npcb_result;

typedef enum npcb_event_type {
  NPCB_EVENT_STARTED = 1,            /* text: interaction id */
  NPCB_EVENT_TEXT_DELTA = 2,         /* text: new reply text */
  NPCB_EVENT_MODERATION = 3,         /* text: message; json: ModerationNotice */
  NPCB_EVENT_COMPLETED = 4,          /* text: full reply; json: Completed (usage, timings) */
  NPCB_EVENT_AVATAR_PROGRESS = 5,    /* progress_completed / progress_total; text: stage */
  NPCB_EVENT_AVATAR = 6,             /* json: Avatar without png; data/data_len: the PNG */
  NPCB_EVENT_STREAM_DONE = 7,        /* a Generate stream ended normally */
  NPCB_EVENT_ERROR = 8,              /* code + text: the call is over */
  NPCB_EVENT_CONNECTION_CHANGED = 9, /* connection_state */
  NPCB_EVENT_VERSION_WARNING = 10,   /* text: what differs */
  NPCB_EVENT_RESULT = 11,            /* json: the response of npcb_call_async */
  NPCB_EVENT_EMOTION = 12,           /* text: label; json: Emotion (before the first TEXT_DELTA) */
  NPCB_EVENT_ACTION = 13,            /* text: action name; json: ActionCall {id, name, arguments_json} */
  NPCB_EVENT_AUDIO = 14,             /* json: AudioChunk without pcm16 {sample_rate, channels, start_ms};
                                        data/data_len: the PCM16 mono little-endian samples */
  NPCB_EVENT_VISEME = 15             /* text: viseme name; json: Viseme {id, name, start_ms, end_ms} */
} npcb_event_type;

typedef enum npcb_connection_state {
  NPCB_IDLE = 0, NPCB_CONNECTING = 1, NPCB_READY = 2, NPCB_TRANSIENT_FAILURE = 3, NPCB_SHUTDOWN = 4
} npcb_connection_state;

typedef struct npcb_event {
  int32_t type;              /* npcb_event_type */
  int32_t code;              /* npcb_result for NPCB_EVENT_ERROR, else 0 */
  uint64_t request_id;       /* from npcb_say / npcb_generate_avatar / npcb_call_async; 0 for connection events */
  const char* text;          /* never NULL */
  const char* json;          /* never NULL; "" when the event has none */
  const uint8_t* data;       /* PNG bytes of an avatar, PCM16 samples of audio, else NULL */
  int32_t data_len;
  int32_t connection_state;  /* npcb_connection_state */
  int32_t progress_completed;
  int32_t progress_total;
} npcb_event;

/* Called by npcb_poll on the polling thread; `event` is valid only during the call. */
typedef void (*npcb_event_callback)(const npcb_event* event, void* user_data);

/* options_json (may be NULL): {"address": "127.0.0.1:50051", "auth_token": "", "tls": false,
 * "tls_root_certs": "", "client_name": "", "timeout_ms": 10000, "stream_timeout_ms": 300000,
 * "reconnect_initial_ms": 200, "reconnect_max_ms": 5000}. Release with npcb_client_destroy. */
NPCB_C_API npcb_result npcb_client_create(const char* options_json, npcb_client** out_client);
/* Cancels every call in flight and frees the client. NULL is ignored. */
NPCB_C_API void npcb_client_destroy(npcb_client* client);

/* Handshake (GetServerInfo + version check). out_server_info_json may be NULL. */
NPCB_C_API npcb_result npcb_connect(npcb_client* client, char** out_server_info_json);

/* A unary RPC by name, blocking up to the configured deadline: GetServerInfo, UpsertCharacter,
 * GetCharacter, ListCharacters, DeleteCharacter, CreateSession, GetSession, DeleteSession,
 * Check, CheckBatch, ListAttributes, ... ListVoices, and Transcribe (one AudioInput: pcm16 base64,
 * sample_rate), every unary RPC of the contract. out_response_json may be NULL. */
NPCB_C_API npcb_result npcb_call(npcb_client* client, const char* method, const char* request_json,
                                 char** out_response_json);
/* The same, without blocking: the answer arrives as NPCB_EVENT_RESULT (or ERROR); npcb_cancel works on it. */
NPCB_C_API npcb_result npcb_call_async(npcb_client* client, const char* method, const char* request_json,
                                       uint64_t* out_request_id);

/* Starts a Say stream. params_json (may be NULL): GenerationParams plus the scheduling
   priority and audio (speak the reply: AUDIO and VISEME events), e.g.
   {"max_tokens": 64, "seed": 7, "priority": 10, "audio": true} (higher priority is served first). */
NPCB_C_API npcb_result npcb_say(npcb_client* client, const char* session_id, const char* text,
                                const char* params_json, uint64_t* out_request_id);
/* Starts a Generate stream. request_json: GenerateAvatarRequest, e.g. {"description": "an elf", "count": 2}. */
NPCB_C_API npcb_result npcb_generate_avatar(npcb_client* client, const char* request_json,
                                            uint64_t* out_request_id);
/* Cancels a call in flight; its last event is NPCB_EVENT_ERROR with NPCB_CANCELLED. Unknown ids are ignored. */
NPCB_C_API npcb_result npcb_cancel(npcb_client* client, uint64_t request_id);

/* Delivers up to max_events queued events (0: all) to callback on this thread; returns how many (or -1 on bad args). */
NPCB_C_API int32_t npcb_poll(npcb_client* client, npcb_event_callback callback, void* user_data, int32_t max_events);
/* Blocks up to timeout_ms until an event is queued; 1 if one is, 0 if not. For tools and tests, not game loops. */
NPCB_C_API int32_t npcb_wait_for_event(npcb_client* client, int32_t timeout_ms);

NPCB_C_API int32_t npcb_get_connection_state(npcb_client* client);
NPCB_C_API void npcb_free_string(char* s);
/* This thread's last error message ("" if none). Owned by the library. */
NPCB_C_API const char* npcb_last_error(void);
/* "INVALID_ARGUMENT" etc. Owned by the library. */
NPCB_C_API const char* npcb_result_name(int32_t result);
/* The client API version, e.g. "1.0.0". Owned by the library. */
NPCB_C_API const char* npcb_api_version(void);

#ifdef __cplusplus
}
#endif

#endif /* NPCBRIDGE_H */
