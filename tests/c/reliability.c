/*
 * Runs one reliability scenario through the C API against an emulator whose
 * faults the Rust harness (tests/c_reliability.rs) injected beforehand, and
 * prints what each call returned for the harness to check:
 *
 *   call LABEL NUMBER ELAPSED_MS      result code and wall time of one call
 *   json LABEL TEXT                   the string the call wrote to json_out
 *   last LABEL TEXT                   vw_last_error after a failed call
 *   log LEVEL MESSAGE                 a line that the log callback received
 *   phase NAME                        start of a part of a scenario
 *   count NAME N                      log lines received in phase NAME
 *
 * Usage: reliability BASE_URL API_KEY USER PASSWORD SCENARIO [CLOSED_URL]
 * CLOSED_URL, for the secrets scenario, is a loopback URL where nothing
 * listens. The arguments are written into JSON unescaped, so they must not
 * contain '"' or '\'. Exits 0 when every call ran, 1 on a usage or setup
 * error.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "visier_webhooks.h"

struct account {
    const char *base_url;
    /* A loopback URL where nothing listens, or NULL. */
    const char *closed_url;
    const char *api_key;
    const char *user;
    const char *password;
};

/* Returns the milliseconds of a monotonic clock. */
static long now_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/*
 * Creates a client for the account with extra configuration keys, such as
 * "\"timeoutMs\":300", or "" for none. Returns NULL on failure.
 */
static vw_client *new_client(const struct account *account,
                             const char *extra)
{
    char config[2048];
    vw_client *client = NULL;
    char *error_json = NULL;
    vw_result result;

    snprintf(config, sizeof(config),
             "{\"host\":\"%s\",\"apiKey\":\"%s\",\"username\":\"%s\","
             "\"password\":\"%s\"%s%s}",
             account->base_url, account->api_key, account->user,
             account->password, extra[0] != '\0' ? "," : "", extra);
    result = vw_client_new(config, &client);
    if (result != VW_OK) {
        vw_last_error(&error_json);
        fprintf(stderr, "vw_client_new failed: %d %s\n", (int)result,
                error_json != NULL ? error_json : "(no error JSON)");
        vw_string_free(error_json);
        return NULL;
    }
    return client;
}

/* Prints a call's result, its json_out string and the last error; frees json. */
static void report(const char *label, vw_result result, long started,
                   char *json)
{
    char *last = NULL;

    printf("call %s %d %ld\n", label, (int)result, now_ms() - started);
    printf("json %s %s\n", label, json != NULL ? json : "(NULL)");
    if (result != VW_OK && vw_last_error(&last) == VW_OK && last != NULL) {
        printf("last %s %s\n", label, last);
    }
    vw_string_free(last);
    vw_string_free(json);
}

/* Lists the webhooks with a client configured by extra, and reports it. */
static int list_with(const struct account *account, const char *extra,
                     const char *label)
{
    vw_client *client = new_client(account, extra);
    char *json = NULL;
    long started;
    vw_result result;

    if (client == NULL) {
        return 1;
    }
    started = now_ms();
    result = vw_list_webhooks(client, -1, NULL, &json);
    report(label, result, started, json);
    vw_client_free(client);
    return 0;
}

/* Creates a webhook with a client configured by extra, and reports it. */
static int create_with(const struct account *account, const char *extra,
                       const char *request_json, const char *label)
{
    vw_client *client = new_client(account, extra);
    char *json = NULL;
    long started;
    vw_result result;

    if (client == NULL) {
        return 1;
    }
    started = now_ms();
    result = vw_create_webhook(client, request_json, &json);
    report(label, result, started, json);
    vw_client_free(client);
    return 0;
}

/* Counts the log lines received and prints each one. */
static void log_line(void *user_data, vw_log_level level, const char *message)
{
    int *count = user_data;

    (*count)++;
    printf("log %d %s\n", level, message);
}

/* Calls get and delete-key with names that contain /, #, ? and more. */
static int encoded_names(const struct account *account)
{
    static const char *const names[] = {"a/b#c?d", "x y%z&w=1", "../up"};
    vw_client *client = new_client(account, "");
    char *json = NULL;
    char label[64];
    long started;
    vw_result result;
    size_t i;

    if (client == NULL) {
        return 1;
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(label, sizeof(label), "get-%u", (unsigned)i);
        started = now_ms();
        result = vw_get_webhook(client, names[i], &json);
        report(label, result, started, json);
        json = NULL;

        snprintf(label, sizeof(label), "delete-key-%u", (unsigned)i);
        started = now_ms();
        result = vw_delete_key(client, names[i], &json);
        report(label, result, started, json);
        json = NULL;
    }
    vw_client_free(client);
    return 0;
}

/* Lists with logging at VW_LOG_DEBUG, then with logging off. */
static int logging(const struct account *account)
{
    int count = 0;
    int status = 1;

    printf("phase debug\n");
    if (vw_set_log_callback(log_line, VW_LOG_DEBUG, &count) != VW_OK) {
        fprintf(stderr, "vw_set_log_callback(VW_LOG_DEBUG) failed\n");
        goto cleanup;
    }
    if (list_with(account, "", "list-debug") != 0) {
        goto cleanup;
    }
    printf("count debug %d\n", count);

    printf("phase off\n");
    count = 0;
    if (vw_set_log_callback(log_line, VW_LOG_OFF, &count) != VW_OK) {
        fprintf(stderr, "vw_set_log_callback(VW_LOG_OFF) failed\n");
        goto cleanup;
    }
    if (list_with(account, "", "list-off") != 0) {
        goto cleanup;
    }
    printf("count off %d\n", count);

    printf("phase null\n");
    if (vw_set_log_callback(log_line, VW_LOG_DEBUG, &count) != VW_OK ||
        vw_set_log_callback(NULL, VW_LOG_DEBUG, NULL) != VW_OK) {
        fprintf(stderr, "vw_set_log_callback(NULL) failed\n");
        goto cleanup;
    }
    if (list_with(account, "", "list-null") != 0) {
        goto cleanup;
    }
    printf("count null %d\n", count);
    status = 0;

cleanup:
    vw_set_log_callback(NULL, VW_LOG_OFF, NULL);
    return status;
}

/* Fails calls in ways whose error JSON could show a credential. */
static int secrets(const struct account *account)
{
    struct account wrong_password = *account;
    struct account wrong_key = *account;
    struct account closed_port = *account;
    const char *const create_with_token =
        "{\"details\":{\"targetUrl\":\"http://127.0.0.1:9/hook\","
        "\"isActive\":true,\"events\":[{\"eventType\":\"dvPublish\"}]},"
        "\"credentials\":{\"accessToken\":\"reliability-token-4d2b\"}}";
    vw_client *client = NULL;
    char *json = NULL;
    long started;
    vw_result result;

    wrong_password.password = "reliability-wrong-password-77aa";
    wrong_key.api_key = "reliability-wrong-api-key-0c3e";
    if (account->closed_url == NULL) {
        fprintf(stderr, "the secrets scenario needs CLOSED_URL\n");
        return 1;
    }
    closed_port.base_url = account->closed_url;

    if (list_with(&wrong_password, "\"maxAttempts\":1", "wrong-password") ||
        list_with(&wrong_key, "\"maxAttempts\":1", "wrong-api-key") ||
        list_with(&closed_port, "\"maxAttempts\":1", "closed-port") ||
        create_with(account, "", create_with_token, "rejected-create")) {
        return 1;
    }

    /* A setting of the wrong type next to the credentials. */
    started = now_ms();
    result = vw_client_new(
        "{\"host\":\"http://127.0.0.1:1\",\"apiKey\":\"reliability-config-key\","
        "\"password\":\"reliability-config-password\",\"username\":\"u\","
        "\"timeoutMs\":\"soon\"}",
        &client);
    json = NULL;
    vw_last_error(&json);
    report("bad-config", result, started, json);
    vw_client_free(client);
    return 0;
}

int main(int argc, char **argv)
{
    struct account account;
    const char *scenario;
    const char *const create_request =
        "{\"details\":{\"targetUrl\":\"http://127.0.0.1:9/hook\","
        "\"isActive\":false,\"events\":[{\"eventType\":\"dvPublish\"}]}}";

    if (argc != 6 && argc != 7) {
        fprintf(stderr,
                "usage: %s BASE_URL API_KEY USER PASSWORD SCENARIO "
                "[CLOSED_URL]\n",
                argv[0]);
        return 1;
    }
    account.base_url = argv[1];
    account.api_key = argv[2];
    account.user = argv[3];
    account.password = argv[4];
    scenario = argv[5];
    account.closed_url = argc == 7 ? argv[6] : NULL;

    if (strcmp(scenario, "timeout") == 0) {
        return list_with(&account, "\"timeoutMs\":300,\"maxAttempts\":1",
                         "list");
    }
    if (strcmp(scenario, "closed-create") == 0) {
        return create_with(&account, "", create_request, "create");
    }
    if (strcmp(scenario, "rate-limited") == 0) {
        return list_with(&account, "", "list");
    }
    if (strcmp(scenario, "oversized") == 0) {
        return list_with(&account,
                         "\"maxResponseBytes\":4096,\"maxAttempts\":1",
                         "with-length") ||
               list_with(&account,
                         "\"maxResponseBytes\":4096,\"maxAttempts\":1",
                         "without-length");
    }
    if (strcmp(scenario, "encoded-names") == 0) {
        return encoded_names(&account);
    }
    if (strcmp(scenario, "retry") == 0) {
        return list_with(&account, "\"maxAttempts\":1", "one-attempt") ||
               list_with(&account, "", "default-attempts");
    }
    if (strcmp(scenario, "secrets") == 0) {
        return secrets(&account);
    }
    if (strcmp(scenario, "logging") == 0) {
        return logging(&account);
    }
    fprintf(stderr, "unknown scenario %s\n", scenario);
    return 1;
}
