/*
 * Eight threads share one client handle, each making dozens of get and list
 * calls, while a log callback receives the library's messages from all of
 * them. Prints a final "N passed, M failed" line; exits nonzero when a call
 * failed, a message was lost or a message contained a credential.
 *
 * Usage: threads BASE_URL API_KEY USER PASSWORD  (an emulator's account)
 */

#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "visier_webhooks.h"

#define THREADS 8
#define ROUNDS 30

struct log_state {
    pthread_mutex_t lock;
    long messages;
    long leaks;
    const char *secrets[2];
};

static struct log_state log_state = {PTHREAD_MUTEX_INITIALIZER, 0, 0,
                                     {NULL, NULL}};

static void on_log(void *user_data, vw_log_level level, const char *message)
{
    struct log_state *state = user_data;
    int i;

    (void)level;
    pthread_mutex_lock(&state->lock);
    state->messages++;
    for (i = 0; i < 2; i++)
        if (strstr(message, state->secrets[i]) != NULL)
            state->leaks++;
    pthread_mutex_unlock(&state->lock);
}

struct worker {
    const vw_client *client;
    const char *webhook_id;
    int passed;
    int failed;
};

static void *work(void *arg)
{
    struct worker *worker = arg;
    int round;

    for (round = 0; round < ROUNDS; round++) {
        char *json = NULL;
        vw_result result = vw_get_webhook(worker->client, worker->webhook_id,
                                          &json);
        if (result == VW_OK && strstr(json, worker->webhook_id) != NULL) {
            worker->passed++;
        } else {
            worker->failed++;
            printf("FAILED: get: %s\n", json != NULL ? json : "(NULL)");
        }
        vw_string_free(json);
        json = NULL;

        result = vw_list_webhooks(worker->client, -1, NULL, &json);
        if (result == VW_OK && strstr(json, worker->webhook_id) != NULL) {
            worker->passed++;
        } else {
            worker->failed++;
            printf("FAILED: list: %s\n", json != NULL ? json : "(NULL)");
        }
        vw_string_free(json);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    char config[1024];
    char webhook_id[128] = "";
    char *json = NULL;
    const char *start;
    vw_client *client = NULL;
    struct worker workers[THREADS];
    pthread_t threads[THREADS];
    int started = 0;
    int passed = 0;
    int failed = 0;
    int i;

    if (argc != 5) {
        fprintf(stderr, "usage: threads BASE_URL API_KEY USER PASSWORD\n");
        return 2;
    }
    log_state.secrets[0] = argv[2];
    log_state.secrets[1] = argv[4];

    /* Forward debug messages: one per request attempt. */
    if (vw_set_log_callback(on_log, VW_LOG_DEBUG, &log_state) != VW_OK) {
        printf("FAILED: vw_set_log_callback\n");
        failed++;
        goto cleanup;
    }

    /* One client for all threads. */
    snprintf(config, sizeof(config),
             "{\"host\": \"%s\", \"apiKey\": \"%s\", \"username\": \"%s\", "
             "\"password\": \"%s\"}",
             argv[1], argv[2], argv[3], argv[4]);
    if (vw_client_new(config, &client) != VW_OK) {
        printf("FAILED: vw_client_new\n");
        failed++;
        goto cleanup;
    }

    /* One webhook for the threads to read. */
    if (vw_create_webhook(client,
                          "{\"details\": {\"isActive\": false, \"events\": "
                          "[{\"eventType\": \"auditEvent\"}]}}",
                          &json) != VW_OK) {
        printf("FAILED: create: %s\n", json != NULL ? json : "(NULL)");
        failed++;
        goto cleanup;
    }
    start = strstr(json, "\"webhookId\":\"");
    if (start != NULL)
        sscanf(start + 13, "%127[^\"]", webhook_id);
    vw_string_free(json);
    json = NULL;

    /* Eight threads on the one handle. */
    for (i = 0; i < THREADS; i++) {
        workers[i].client = client;
        workers[i].webhook_id = webhook_id;
        workers[i].passed = 0;
        workers[i].failed = 0;
        if (pthread_create(&threads[i], NULL, work, &workers[i]) != 0)
            break;
        started++;
    }
    for (i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        passed += workers[i].passed;
        failed += workers[i].failed;
    }
    if (started != THREADS) {
        printf("FAILED: started %d threads\n", started);
        failed++;
    }

    /* Every call logged at least one line, and none held a credential. */
    vw_set_log_callback(NULL, VW_LOG_OFF, NULL);
    if (log_state.messages >= THREADS * ROUNDS * 2) {
        passed++;
    } else {
        printf("FAILED: %ld log messages\n", log_state.messages);
        failed++;
    }
    if (log_state.leaks == 0) {
        passed++;
    } else {
        printf("FAILED: %ld log messages contain a credential\n",
               log_state.leaks);
        failed++;
    }

    /* Remove the webhook. */
    if (vw_delete_webhook(client, webhook_id, &json) != VW_OK) {
        printf("FAILED: delete: %s\n", json != NULL ? json : "(NULL)");
        failed++;
    }

cleanup:
    vw_string_free(json);
    vw_client_free(client);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
