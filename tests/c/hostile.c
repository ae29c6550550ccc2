/*
 * Feeds every function of the C API NULL pointers, invalid UTF-8, malformed
 * JSON and oversized strings, and checks each documented result code and
 * error JSON. Prints one line per failed check and a final
 * "N passed, M failed" line; exits nonzero when a check failed.
 *
 * Usage: hostile BASE_URL API_KEY USER PASSWORD  (an emulator's account)
 */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "visier_webhooks.h"

static int passed;
static int failed;

static void check(int condition, const char *what)
{
    if (condition) {
        passed++;
    } else {
        failed++;
        printf("FAILED: %s\n", what);
    }
}

/* Returns the name of a code as the error JSON spells it. */
static const char *code_name(vw_result result)
{
    switch (result) {
    case VW_OK: return "VW_OK";
    case VW_ERROR_NULL_ARGUMENT: return "VW_ERROR_NULL_ARGUMENT";
    case VW_ERROR_INVALID_UTF8: return "VW_ERROR_INVALID_UTF8";
    case VW_ERROR_INVALID_JSON: return "VW_ERROR_INVALID_JSON";
    case VW_ERROR_INVALID_ARGUMENT: return "VW_ERROR_INVALID_ARGUMENT";
    case VW_ERROR_INVALID_CONFIG: return "VW_ERROR_INVALID_CONFIG";
    case VW_ERROR_INPUT_TOO_LARGE: return "VW_ERROR_INPUT_TOO_LARGE";
    case VW_ERROR_NOT_FOUND: return "VW_ERROR_NOT_FOUND";
    case VW_ERROR_CONNECTION: return "VW_ERROR_CONNECTION";
    case VW_ERROR_SIGNATURE_INVALID: return "VW_ERROR_SIGNATURE_INVALID";
    case VW_ERROR_SIGNATURE_MISSING: return "VW_ERROR_SIGNATURE_MISSING";
    case VW_ERROR_SIGNATURE_MALFORMED: return "VW_ERROR_SIGNATURE_MALFORMED";
    case VW_ERROR_KEY_INVALID: return "VW_ERROR_KEY_INVALID";
    case VW_ERROR_AUTHORIZATION_MISSING:
        return "VW_ERROR_AUTHORIZATION_MISSING";
    case VW_ERROR_AUTHORIZATION_MALFORMED:
        return "VW_ERROR_AUTHORIZATION_MALFORMED";
    default: return "(not checked here)";
    }
}

/*
 * Checks a call's result, and that *json contains the matching error JSON on
 * failure; frees *json.
 */
static void expect(const char *what, vw_result got, vw_result want,
                   char **json)
{
    char message[512];
    char pattern[96];

    snprintf(message, sizeof(message), "%s: expected %s, got %d (%s)", what,
             code_name(want), (int)got, vw_result_text((int)got));
    check(got == want, message);
    if (want != VW_OK && json != NULL) {
        snprintf(pattern, sizeof(pattern), "\"code\":\"%s\"", code_name(want));
        snprintf(message, sizeof(message), "%s: error JSON has %s: %s", what,
                 pattern, *json != NULL ? *json : "(NULL)");
        check(*json != NULL && strstr(*json, pattern) != NULL, message);
    }
    if (json != NULL) {
        vw_string_free(*json);
        *json = NULL;
    }
}

/* Checks that the thread's last error has the code of want. */
static void expect_last_error(const char *what, vw_result want)
{
    char *json = NULL;
    char pattern[96];
    char message[512];

    check(vw_last_error(&json) == VW_OK, "vw_last_error returns VW_OK");
    snprintf(pattern, sizeof(pattern), "\"result\":%d", (int)want);
    snprintf(message, sizeof(message), "%s: last error has %s: %s", what,
             pattern, json != NULL ? json : "(NULL)");
    check(json != NULL && strstr(json, pattern) != NULL, message);
    vw_string_free(json);
}

static const char invalid_utf8[] = "abc\xff\xfe";

/* Operations whose only argument is a webhook id or a key name. */
typedef vw_result (*named_operation)(const vw_client *, const char *,
                                     char **);

static void check_named(const char *name, named_operation operation,
                        const vw_client *client, const char *huge)
{
    char what[128];
    char *json = NULL;

    snprintf(what, sizeof(what), "%s with NULL client", name);
    expect(what, operation(NULL, "id", &json), VW_ERROR_NULL_ARGUMENT, &json);
    snprintf(what, sizeof(what), "%s with NULL name", name);
    expect(what, operation(client, NULL, &json), VW_ERROR_NULL_ARGUMENT,
           &json);
    snprintf(what, sizeof(what), "%s with NULL json_out", name);
    expect(what, operation(client, "id", NULL), VW_ERROR_NULL_ARGUMENT, NULL);
    expect_last_error(what, VW_ERROR_NULL_ARGUMENT);
    snprintf(what, sizeof(what), "%s with invalid UTF-8", name);
    expect(what, operation(client, invalid_utf8, &json),
           VW_ERROR_INVALID_UTF8, &json);
    snprintf(what, sizeof(what), "%s with a 1 MB name", name);
    expect(what, operation(client, huge, &json), VW_ERROR_INPUT_TOO_LARGE,
           &json);
    snprintf(what, sizeof(what), "%s with an empty name", name);
    expect(what, operation(client, "", &json), VW_ERROR_INVALID_ARGUMENT,
           &json);
    snprintf(what, sizeof(what), "%s with \"..\"", name);
    expect(what, operation(client, "..", &json), VW_ERROR_INVALID_ARGUMENT,
           &json);
}

/* Operations that take a JSON body only. */
typedef vw_result (*body_operation)(const vw_client *, const char *,
                                    char **);

static void check_body(const char *name, body_operation operation,
                       const vw_client *client, const char *huge)
{
    char what[128];
    char *json = NULL;

    snprintf(what, sizeof(what), "%s with NULL client", name);
    expect(what, operation(NULL, "{}", &json), VW_ERROR_NULL_ARGUMENT, &json);
    snprintf(what, sizeof(what), "%s with NULL body", name);
    expect(what, operation(client, NULL, &json), VW_ERROR_NULL_ARGUMENT,
           &json);
    snprintf(what, sizeof(what), "%s with NULL json_out", name);
    expect(what, operation(client, "{}", NULL), VW_ERROR_NULL_ARGUMENT, NULL);
    snprintf(what, sizeof(what), "%s with invalid UTF-8", name);
    expect(what, operation(client, invalid_utf8, &json),
           VW_ERROR_INVALID_UTF8, &json);
    snprintf(what, sizeof(what), "%s with malformed JSON", name);
    expect(what, operation(client, "{\"details\": ", &json),
           VW_ERROR_INVALID_JSON, &json);
    snprintf(what, sizeof(what), "%s with a 1 MB body", name);
    expect(what, operation(client, huge, &json), VW_ERROR_INPUT_TOO_LARGE,
           &json);
}

/* Operations that take a webhook id and a JSON body. */
typedef vw_result (*id_body_operation)(const vw_client *, const char *,
                                       const char *, char **);

static void check_id_body(const char *name, id_body_operation operation,
                          const vw_client *client, const char *huge)
{
    char what[128];
    char *json = NULL;

    snprintf(what, sizeof(what), "%s with NULL client", name);
    expect(what, operation(NULL, "id", "{}", &json), VW_ERROR_NULL_ARGUMENT,
           &json);
    snprintf(what, sizeof(what), "%s with NULL id", name);
    expect(what, operation(client, NULL, "{}", &json),
           VW_ERROR_NULL_ARGUMENT, &json);
    snprintf(what, sizeof(what), "%s with NULL body", name);
    expect(what, operation(client, "id", NULL, &json),
           VW_ERROR_NULL_ARGUMENT, &json);
    snprintf(what, sizeof(what), "%s with NULL json_out", name);
    expect(what, operation(client, "id", "{}", NULL), VW_ERROR_NULL_ARGUMENT,
           NULL);
    snprintf(what, sizeof(what), "%s with an invalid UTF-8 id", name);
    expect(what, operation(client, invalid_utf8, "{}", &json),
           VW_ERROR_INVALID_UTF8, &json);
    snprintf(what, sizeof(what), "%s with an invalid UTF-8 body", name);
    expect(what, operation(client, "id", invalid_utf8, &json),
           VW_ERROR_INVALID_UTF8, &json);
    snprintf(what, sizeof(what), "%s with malformed JSON", name);
    expect(what, operation(client, "id", "[1, 2", &json),
           VW_ERROR_INVALID_JSON, &json);
    snprintf(what, sizeof(what), "%s with a 1 MB id", name);
    expect(what, operation(client, huge, "{}", &json),
           VW_ERROR_INPUT_TOO_LARGE, &json);
    snprintf(what, sizeof(what), "%s with a 1 MB body", name);
    expect(what, operation(client, "id", huge, &json),
           VW_ERROR_INPUT_TOO_LARGE, &json);
    snprintf(what, sizeof(what), "%s with an empty id", name);
    expect(what, operation(client, "", "{}", &json),
           VW_ERROR_INVALID_ARGUMENT, &json);
}

typedef vw_result (*list_operation)(const vw_client *, int, const char *,
                                    char **);

static void check_list(const char *name, list_operation operation,
                       const vw_client *client, const char *huge)
{
    char what[128];
    char *json = NULL;

    snprintf(what, sizeof(what), "%s with NULL client", name);
    expect(what, operation(NULL, -1, NULL, &json), VW_ERROR_NULL_ARGUMENT,
           &json);
    snprintf(what, sizeof(what), "%s with NULL json_out", name);
    expect(what, operation(client, -1, NULL, NULL), VW_ERROR_NULL_ARGUMENT,
           NULL);
    snprintf(what, sizeof(what), "%s with is_active 2", name);
    expect(what, operation(client, 2, NULL, &json),
           VW_ERROR_INVALID_ARGUMENT, &json);
    snprintf(what, sizeof(what), "%s with is_active -2", name);
    expect(what, operation(client, -2, NULL, &json),
           VW_ERROR_INVALID_ARGUMENT, &json);
    snprintf(what, sizeof(what), "%s with an invalid UTF-8 event", name);
    expect(what, operation(client, -1, invalid_utf8, &json),
           VW_ERROR_INVALID_UTF8, &json);
    snprintf(what, sizeof(what), "%s with a 1 MB event", name);
    expect(what, operation(client, -1, huge, &json),
           VW_ERROR_INPUT_TOO_LARGE, &json);
    snprintf(what, sizeof(what), "%s with no filter", name);
    expect(what, operation(client, -1, NULL, &json), VW_OK, &json);
}

static void check_config(const char *what, const char *config,
                         vw_result want)
{
    vw_client *sentinel = (vw_client *)&passed;
    vw_client *client = sentinel;
    char message[256];

    expect(what, vw_client_new(config, &client), want, NULL);
    if (want != VW_OK) {
        snprintf(message, sizeof(message), "%s: client_out left unchanged",
                 what);
        check(client == sentinel, message);
        expect_last_error(what, want);
    } else {
        vw_client_free(client);
    }
}

/* The verification functions, which need no client handle. */
static void check_verification(const char *huge)
{
    static const uint8_t key[] = "a-signing-key";
    static const char body[] = "{\"eventId\": \"e\"}";
    static const char hex[] =
        "00000000000000000000000000000000"
        "00000000000000000000000000000000";
    const uint8_t *bytes = (const uint8_t *)body;
    size_t length = sizeof(body) - 1;
    char *json = NULL;

    expect("vw_verify_notification with NULL json_out",
           vw_verify_notification(bytes, length, hex, key, 13, NULL),
           VW_ERROR_NULL_ARGUMENT, NULL);
    expect("vw_verify_notification with NULL body and a length",
           vw_verify_notification(NULL, length, hex, key, 13, &json),
           VW_ERROR_NULL_ARGUMENT, &json);
    expect("vw_verify_notification with NULL key and a length",
           vw_verify_notification(bytes, length, hex, NULL, 13, &json),
           VW_ERROR_NULL_ARGUMENT, &json);
    expect("vw_verify_notification with an empty key",
           vw_verify_notification(bytes, length, hex, key, 0, &json),
           VW_ERROR_KEY_INVALID, &json);
    expect("vw_verify_notification without a signature",
           vw_verify_notification(bytes, length, NULL, key, 13, &json),
           VW_ERROR_SIGNATURE_MISSING, &json);
    expect("vw_verify_notification with a malformed signature",
           vw_verify_notification(bytes, length, "sha256=zz", key, 13, &json),
           VW_ERROR_SIGNATURE_MALFORMED, &json);
    expect("vw_verify_notification with an invalid UTF-8 signature",
           vw_verify_notification(bytes, length, invalid_utf8, key, 13, &json),
           VW_ERROR_SIGNATURE_MALFORMED, &json);
    expect("vw_verify_notification with a 1 MB signature",
           vw_verify_notification(bytes, length, huge, key, 13, &json),
           VW_ERROR_SIGNATURE_MALFORMED, &json);
    expect("vw_verify_notification with a wrong signature",
           vw_verify_notification(bytes, length, hex, key, 13, &json),
           VW_ERROR_SIGNATURE_INVALID, &json);
    expect("vw_verify_notification with a 1 MB body",
           vw_verify_notification((const uint8_t *)huge, strlen(huge), hex,
                                  key, 13, &json),
           VW_ERROR_SIGNATURE_INVALID, &json);

    expect("vw_verify_authorization with NULL expected JSON",
           vw_verify_authorization("Bearer t", NULL),
           VW_ERROR_NULL_ARGUMENT, NULL);
    expect("vw_verify_authorization with invalid UTF-8 expected JSON",
           vw_verify_authorization("Bearer t", invalid_utf8),
           VW_ERROR_INVALID_UTF8, NULL);
    expect("vw_verify_authorization with malformed expected JSON",
           vw_verify_authorization("Bearer t", "{\"accessToken\": "),
           VW_ERROR_INVALID_JSON, NULL);
    expect("vw_verify_authorization with 1 MB expected JSON",
           vw_verify_authorization("Bearer t", huge),
           VW_ERROR_INPUT_TOO_LARGE, NULL);
    expect("vw_verify_authorization without a header",
           vw_verify_authorization(NULL, "{\"accessToken\": \"t\"}"),
           VW_ERROR_AUTHORIZATION_MISSING, NULL);
    expect("vw_verify_authorization with a malformed header",
           vw_verify_authorization("Bearer", "{\"accessToken\": \"t\"}"),
           VW_ERROR_AUTHORIZATION_MALFORMED, NULL);
    expect("vw_verify_authorization with a 1 MB header",
           vw_verify_authorization(huge, "{\"accessToken\": \"t\"}"),
           VW_ERROR_AUTHORIZATION_MALFORMED, NULL);
    expect("vw_verify_authorization with the right token",
           vw_verify_authorization("Bearer t", "{\"accessToken\": \"t\"}"),
           VW_OK, NULL);
}

int main(int argc, char **argv)
{
    char config[1024];
    char *huge = NULL;
    char *json = NULL;
    vw_client *client = NULL;
    vw_client *unreachable = NULL;
    size_t huge_size = 1024 * 1024;
    int code;
    int exit_code = 1;

    if (argc != 5) {
        fprintf(stderr, "usage: hostile BASE_URL API_KEY USER PASSWORD\n");
        return 2;
    }

    /* A 1 MB JSON string, valid but over every limit. */
    huge = malloc(huge_size + 1);
    if (huge == NULL)
        goto cleanup;
    memset(huge, ' ', huge_size);
    huge[0] = '"';
    huge[huge_size - 1] = '"';
    huge[huge_size] = '\0';

    /* Functions that never fail. */
    check(vw_version() != NULL && strlen(vw_version()) > 0, "vw_version");
    check(strcmp(vw_result_text(12345), "unknown result code") == 0,
          "vw_result_text of an unknown number");
    check(vw_result_text(-1) != NULL, "vw_result_text(-1) is not NULL");
    for (code = 0; code < 1000; code++) {
        if (vw_result_text(code) == NULL) {
            check(0, "vw_result_text is never NULL");
            break;
        }
    }
    check(strcmp(vw_result_text(VW_ERROR_NOT_FOUND), "not found") == 0,
          "vw_result_text(VW_ERROR_NOT_FOUND)");
    vw_string_free(NULL);
    vw_client_free(NULL);
    check(vw_last_error(NULL) == VW_ERROR_NULL_ARGUMENT,
          "vw_last_error(NULL)");
    expect("vw_set_log_callback with level 9",
           vw_set_log_callback(NULL, 9, NULL), VW_ERROR_INVALID_ARGUMENT,
           NULL);

    /* Configurations. */
    check_config("config NULL", NULL, VW_ERROR_NULL_ARGUMENT);
    expect("vw_client_new with NULL client_out", vw_client_new("{}", NULL),
           VW_ERROR_NULL_ARGUMENT, NULL);
    check_config("config invalid UTF-8", invalid_utf8, VW_ERROR_INVALID_UTF8);
    check_config("config malformed", "{\"host\": ", VW_ERROR_INVALID_JSON);
    check_config("config 1 MB", huge, VW_ERROR_INPUT_TOO_LARGE);
    check_config("config array", "[1]", VW_ERROR_INVALID_CONFIG);
    check_config("config without apiKey",
                 "{\"host\": \"http://127.0.0.1:1\", \"accessToken\": \"t\"}",
                 VW_ERROR_INVALID_CONFIG);
    check_config("config unknown key",
                 "{\"host\": \"http://127.0.0.1:1\", \"apiKey\": \"k\", "
                 "\"accessToken\": \"t\", \"hots\": 1}",
                 VW_ERROR_INVALID_CONFIG);
    vw_last_error(&json);
    check(json != NULL && strstr(json, "hots") != NULL,
          "unknown key is named in the error");
    vw_string_free(json);
    json = NULL;
    check_config("config with two tokens",
                 "{\"host\": \"http://127.0.0.1:1\", \"apiKey\": \"k\", "
                 "\"accessToken\": \"t\", \"securityToken\": \"s\"}",
                 VW_ERROR_INVALID_CONFIG);
    check_config("config with a string timeout",
                 "{\"host\": \"http://127.0.0.1:1\", \"apiKey\": \"k\", "
                 "\"accessToken\": \"t\", \"timeoutMs\": \"5\"}",
                 VW_ERROR_INVALID_CONFIG);
    check_config("config with insecure http",
                 "{\"host\": \"http://example.invalid\", \"apiKey\": \"k\", "
                 "\"accessToken\": \"t\"}",
                 VW_ERROR_INVALID_CONFIG);
    vw_last_error(&json);
    check(json != NULL && strstr(json, "\"t\"") == NULL,
          "the error does not contain the token");
    vw_string_free(json);
    json = NULL;

    snprintf(config, sizeof(config),
             "{\"host\": \"%s\", \"apiKey\": \"%s\", \"username\": \"%s\", "
             "\"password\": \"%s\", \"maxAttempts\": 1}",
             argv[1], argv[2], argv[3], argv[4]);
    expect("vw_client_new with a valid config", vw_client_new(config, &client),
           VW_OK, NULL);
    if (client == NULL)
        goto cleanup;

    /* Every operation. */
    check_list("vw_list_webhooks", vw_list_webhooks, client, huge);
    check_list("vw_list_webhook_statuses", vw_list_webhook_statuses, client,
               huge);
    check_named("vw_get_webhook", vw_get_webhook, client, huge);
    check_named("vw_delete_credentials", vw_delete_credentials, client, huge);
    check_named("vw_delete_webhook", vw_delete_webhook, client, huge);
    check_named("vw_delete_key", vw_delete_key, client, huge);
    check_body("vw_create_webhook", vw_create_webhook, client, huge);
    check_body("vw_generate_key", vw_generate_key, client, huge);
    check_id_body("vw_update_webhook", vw_update_webhook, client, huge);
    check_id_body("vw_update_credentials", vw_update_credentials, client,
                  huge);
    expect("vw_send_test_event with NULL event_type",
           vw_send_test_event(client, "id", NULL, &json),
           VW_ERROR_NULL_ARGUMENT, &json);
    expect("vw_send_test_event with a 1 MB event_type",
           vw_send_test_event(client, "id", huge, &json),
           VW_ERROR_INPUT_TOO_LARGE, &json);
    expect("vw_send_test_event with NULL client",
           vw_send_test_event(NULL, "id", "dvPublish", &json),
           VW_ERROR_NULL_ARGUMENT, &json);
    expect("vw_send_test_event with NULL json_out",
           vw_send_test_event(client, "id", "dvPublish", NULL),
           VW_ERROR_NULL_ARGUMENT, NULL);
    expect("vw_list_keys with NULL client", vw_list_keys(NULL, &json),
           VW_ERROR_NULL_ARGUMENT, &json);
    expect("vw_list_keys with NULL json_out", vw_list_keys(client, NULL),
           VW_ERROR_NULL_ARGUMENT, NULL);
    expect("vw_list_keys", vw_list_keys(client, &json), VW_OK, &json);

    /* An API error carries the HTTP status. */
    code = vw_get_webhook(client, "no-such-webhook", &json);
    check(json != NULL && strstr(json, "\"httpStatus\":404") != NULL,
          "a 404 error has httpStatus 404");
    expect("vw_get_webhook of an unknown id", (vw_result)code,
           VW_ERROR_NOT_FOUND, &json);

    /* A refused connection is a transport error. */
    expect("vw_client_new for a closed port",
           vw_client_new("{\"host\": \"http://127.0.0.1:1\", \"apiKey\": "
                         "\"k\", \"accessToken\": \"t\", \"maxAttempts\": 1}",
                         &unreachable),
           VW_OK, NULL);
    if (unreachable != NULL)
        expect("vw_list_keys on a closed port",
               vw_list_keys(unreachable, &json), VW_ERROR_CONNECTION, &json);

    check_verification(huge);

    exit_code = failed == 0 ? 0 : 1;

cleanup:
    vw_client_free(unreachable);
    vw_client_free(client);
    free(huge);
    printf("%d passed, %d failed\n", passed, failed);
    return exit_code;
}
