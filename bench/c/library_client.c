/*
 * Benchmark client 2: this library from C, through libvisier_webhooks.so.
 *
 * One vw_client (one connection pool and one token) serves every call. Each
 * call returns the API's JSON as a string, which is freed with
 * vw_string_free. The PUT sends back the JSON that the first get returned.
 *
 * Command line and environment are those of every benchmark client (see
 * bench/src/lib.rs): library_client WEBHOOK_ID cold, or
 * library_client WEBHOOK_ID CALLS OUTPUT. The client is configured by
 * vw_client_from_env from the VISIER_* variables.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "visier_webhooks.h"

/* The same values as WARMUP_CALLS and OPERATIONS in bench/src/lib.rs. */
#define WARMUP_CALLS 20
static const char *const OPERATIONS[] = {"get", "list", "put"};
#define OPERATION_COUNT 3

static long long now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

/* Reports a failed call with the library's error JSON and frees it. */
static void report(const char *what, vw_result code, char *error_json)
{
    fprintf(stderr, "library_client: %s failed: %s: %s\n", what,
            vw_result_text(code), error_json ? error_json : "(no detail)");
    vw_string_free(error_json);
}

/* Runs one operation; returns 0 on success. */
static int call(const vw_client *client, int op, const char *webhook_id,
                const char *webhook_json)
{
    char *json = NULL;
    vw_result code;
    if (op == 0)
        code = vw_get_webhook(client, webhook_id, &json);
    else if (op == 1)
        code = vw_list_webhooks(client, -1, NULL, &json);
    else
        code = vw_update_webhook(client, webhook_id, webhook_json, &json);
    if (code != VW_OK) {
        report(OPERATIONS[op], code, json);
        return -1;
    }
    vw_string_free(json);
    return 0;
}

int main(int argc, char **argv)
{
    int result = 1;
    int cold = argc == 3 && strcmp(argv[2], "cold") == 0;
    long calls = 0;
    if (!cold) {
        char *end = NULL;
        calls = argc == 4 ? strtol(argv[2], &end, 10) : 0;
        if (calls <= 0 || end == NULL || *end != '\0') {
            fprintf(stderr, "usage: library_client WEBHOOK_ID cold | "
                            "library_client WEBHOOK_ID CALLS OUTPUT\n");
            return 2;
        }
    }
    const char *webhook_id = argv[1];
    vw_client *client = NULL;
    char *webhook_json = NULL;
    long long *latencies = NULL;
    FILE *output = NULL;
    vw_result code;

    /* Create the client from the environment. */
    code = vw_client_from_env(&client);
    if (code != VW_OK) {
        char *error_json = NULL;
        vw_last_error(&error_json);
        report("vw_client_from_env", code, error_json);
        goto cleanup;
    }

    /* Get the webhook once; its JSON is what the PUT sends back. */
    code = vw_get_webhook(client, webhook_id, &webhook_json);
    if (code != VW_OK) {
        report("get", code, webhook_json);
        webhook_json = NULL;
        goto cleanup;
    }
    if (cold) {
        result = 0;
        goto cleanup;
    }
    for (int i = 1; i < WARMUP_CALLS; i++) {
        if (call(client, 0, webhook_id, webhook_json) != 0)
            goto cleanup;
    }

    /* Time each operation's calls. */
    latencies = malloc(sizeof *latencies * (size_t)calls * OPERATION_COUNT);
    if (latencies == NULL)
        goto cleanup;
    for (int op = 0; op < OPERATION_COUNT; op++) {
        for (long i = 0; i < calls; i++) {
            long long started = now_ns();
            if (call(client, op, webhook_id, webhook_json) != 0)
                goto cleanup;
            latencies[op * calls + i] = now_ns() - started;
        }
    }

    /* Write one line per timed call. */
    output = fopen(argv[3], "w");
    if (output == NULL) {
        fprintf(stderr, "library_client: opening %s failed\n", argv[3]);
        goto cleanup;
    }
    for (int op = 0; op < OPERATION_COUNT; op++) {
        for (long i = 0; i < calls; i++)
            fprintf(output, "%s %lld\n", OPERATIONS[op], latencies[op * calls + i]);
    }
    result = fclose(output) == 0 ? 0 : 1;
    output = NULL;

cleanup:
    if (output != NULL)
        fclose(output);
    free(latencies);
    vw_string_free(webhook_json);
    vw_client_free(client);
    return result;
}
