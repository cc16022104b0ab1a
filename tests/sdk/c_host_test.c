/* Loads the built librightmoment.so from a C translation unit through the C ABI only, as a C host
 * would: version check, create from configuration text, start, submit events, drain, read status,
 * bad calls refused with a message, destroy. Prints "N passed, M failed" and exits non-zero on failure. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rightmoment/plugin.h"

static int passed = 0, failed = 0;
#define CHECK(cond, what)                                                   \
  do {                                                                      \
    if (cond) {                                                             \
      ++passed;                                                             \
    } else {                                                                \
      ++failed;                                                             \
      fprintf(stderr, "FAILED: %s (%s:%d)\n", what, __FILE__, __LINE__);    \
    }                                                                       \
  } while (0)

static int prompts = 0;
static char first_prompt[4096];
static void on_prompt(void* host_data, const char* json, size_t len) {
  int* counter = (int*)host_data;
  if (*counter == 0 && len < sizeof first_prompt) {
    memcpy(first_prompt, json, len);
    first_prompt[len] = 0;
  }
  ++*counter;
}
static void on_log(void* host_data, rm_log_level level, const char* msg, size_t len) {
  (void)host_data;
  (void)level;
  (void)msg;
  (void)len;
}
static char status_buf[65536];
static size_t status_len = 0;
static void write_status(void* ctx, const char* data, size_t len) {
  (void)ctx;
  if (status_len + len < sizeof status_buf) {
    memcpy(status_buf + status_len, data, len);
    status_len += len;
    status_buf[status_len] = 0;
  }
}

static rm_status submit(const rm_api* api, rm_plugin* p, const char* json) { return api->submit_event(p, json, strlen(json)); }

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s LIBRARY CONFIG_DIR\n", argv[0]);
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  rm_get_api_fn get_api = NULL;
  /* POSIX's way to turn dlsym's object pointer into a function pointer. */
  *(void**)(&get_api) = dlsym(lib, RM_ENTRY_SYMBOL);
  CHECK(get_api != NULL, "the entry point is exported");
  if (!get_api) return 1;
  CHECK(get_api(RM_ABI_MAJOR + 1, 0) == NULL, "a different ABI major is refused");
  const rm_api* api = get_api(RM_ABI_MAJOR, RM_ABI_MINOR);
  CHECK(api != NULL && api->struct_size >= sizeof(rm_api) && api->abi_major == RM_ABI_MAJOR, "the function table");

  rm_plugin* plugin = NULL;
  CHECK(api->create(NULL, &plugin) == RM_ERR_INVALID_ARGUMENT && strlen(api->last_error()) > 0, "create(NULL) refused");

  /* A fresh store each run: the outcome record of an earlier run would resume its call. */
  char db[1024];
  const char* suffixes[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; ++i) {
    snprintf(db, sizeof db, "%s/c_host_test.db%s", getenv("RIGHTMOMENT_TEST_TMP") ? getenv("RIGHTMOMENT_TEST_TMP") : "/tmp",
             suffixes[i]);
    remove(db);
  }
  char config[2048];
  snprintf(config, sizeof config,
           "{ \"history\": {\"store\": \"sqlite:%s/c_host_test.db\"},"
           "  \"rules\": {\"files\": [\"%s/rules/default.rules.jsonc\"], \"lexicons\": \"%s/lexicons\"},"
           "  \"listeners\": [] }",
           getenv("RIGHTMOMENT_TEST_TMP") ? getenv("RIGHTMOMENT_TEST_TMP") : "/tmp", argv[2], argv[2]);
  rm_host_callbacks cb = {sizeof cb, &prompts, on_log, on_prompt};
  rm_create_options bad = {sizeof bad, NULL, "{ \"rules\": { \"holdout_percent\": 500 } }", 40, &cb};
  CHECK(api->create(&bad, &plugin) == RM_ERR_CONFIG && strstr(api->last_error(), "holdout_percent") != NULL,
        "a bad configuration is refused, naming the key");
  rm_create_options opt = {sizeof opt, NULL, config, strlen(config), &cb};
  rm_status s = api->create(&opt, &plugin);
  CHECK(s == RM_OK && plugin != NULL, "create from configuration text");
  if (s != RM_OK) {
    fprintf(stderr, "create: %s\n", api->last_error());
    printf("%d passed, %d failed\n", passed, failed);
    return 1;
  }
  CHECK(submit(api, plugin, "{}") != RM_OK, "events before start are refused");
  CHECK(api->start(plugin) == RM_OK, "start");
  CHECK(api->start(plugin) == RM_ERR_STATE, "start twice is refused");

  CHECK(submit(api, plugin, "{\"event_id\":\"e1\",\"type\":\"interaction.started\",\"interaction_id\":\"c-1\","
                            "\"ts\":\"2026-11-22T10:00:00Z\",\"channel\":\"voice\",\"direction\":\"inbound\","
                            "\"agent_id\":\"a-1\"}") == RM_OK,
        "a good event is accepted");
  CHECK(submit(api, plugin, "{\"event_id\":\"e2\",\"type\":\"interaction.started\",\"interaction_id\":\"c-1\","
                            "\"ts\":\"2026-11-22T10:00:00Z\",\"channel\":\"fax\",\"direction\":\"inbound\"}") ==
                RM_ERR_INVALID_ARGUMENT &&
            strstr(api->last_error(), "\"type\":\"error\"") != NULL,
        "a channel of fax is refused with the contract's error message");
  CHECK(submit(api, plugin, "not json") == RM_ERR_INVALID_ARGUMENT, "garbage is refused");
  CHECK(api->submit_event(plugin, NULL, 5) == RM_ERR_INVALID_ARGUMENT, "a NULL buffer is refused");
  CHECK(api->drain(plugin, 10000) == RM_OK, "drain");
  CHECK(prompts == 1 && strstr(first_prompt, "\"kind\":\"screen_pop\"") != NULL, "the screen pop reached the host");
  CHECK(api->read_status(plugin, write_status, NULL) == RM_OK && strstr(status_buf, "\"events_in\"") != NULL,
        "status JSON");
  CHECK(api->submit_feedback(plugin, "{\"type\":\"prompt.feedback\",\"prompt_id\":\"x\",\"action\":\"loved\"}", 63) ==
            RM_ERR_INVALID_ARGUMENT,
        "feedback with an unknown action is refused");
  CHECK(api->stop(plugin, 5000) == RM_OK, "stop");
  CHECK(api->stop(plugin, 5000) == RM_OK, "stop twice is harmless");
  api->destroy(plugin);
  api->destroy(NULL);
  dlclose(lib);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
