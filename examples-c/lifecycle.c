/*
 * The lifecycle of a webhook through the C API, one line of output per step:
 * generate a signing key, create an inactive webhook, list, get, activate and
 * rename it, switch its credentials, send a test event, remove its
 * credentials, delete it and delete the key.
 *
 * Usage: lifecycle [TARGET_URL]
 *
 * The client is configured from the VISIER_* environment variables, such as
 * VISIER_HOST, VISIER_APIKEY, VISIER_USERNAME and VISIER_PASSWORD. Without
 * TARGET_URL the program runs a small HTTP receiver on 127.0.0.1 and uses it
 * as the webhook's target, so the test event gets a 200 answer.
 */

#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "visier_webhooks.h"

/* A receiver that responds to one notification with 200 and then stops. */
struct receiver {
    int listen_fd;
    int port;
    pthread_t thread;
    int started;
    char request_line[256];
};

static void *receiver_main(void *arg)
{
    struct receiver *receiver = arg;
    struct pollfd waiting = {receiver->listen_fd, POLLIN, 0};
    static const char answer[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    char buffer[8192];
    size_t used = 0;
    int fd;

    /* Give up after 10 s, so a failed step cannot hang the program. */
    if (poll(&waiting, 1, 10000) != 1 || !(waiting.revents & POLLIN))
        return NULL;
    fd = accept(receiver->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    /* Read the request head; the body is not needed to respond. */
    while (used < sizeof(buffer) - 1) {
        ssize_t n = read(fd, buffer + used, sizeof(buffer) - 1 - used);
        if (n <= 0)
            break;
        used += (size_t)n;
        buffer[used] = '\0';
        if (strstr(buffer, "\r\n\r\n") != NULL)
            break;
    }
    buffer[used] = '\0';
    sscanf(buffer, "%200[^\r\n]", receiver->request_line);
    if (write(fd, answer, sizeof(answer) - 1) < 0)
        perror("receiver: write");
    close(fd);
    return NULL;
}

static int receiver_start(struct receiver *receiver)
{
    struct sockaddr_in address;
    socklen_t length = sizeof(address);

    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    receiver->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (receiver->listen_fd < 0)
        return -1;
    if (bind(receiver->listen_fd, (struct sockaddr *)&address, length) != 0 ||
        listen(receiver->listen_fd, 4) != 0 ||
        getsockname(receiver->listen_fd, (struct sockaddr *)&address,
                    &length) != 0)
        return -1;
    receiver->port = ntohs(address.sin_port);
    if (pthread_create(&receiver->thread, NULL, receiver_main, receiver) != 0)
        return -1;
    receiver->started = 1;
    return 0;
}

static void receiver_stop(struct receiver *receiver)
{
    if (receiver->started) {
        /* Wakes a poll() still waiting for a connection. */
        shutdown(receiver->listen_fd, SHUT_RDWR);
        pthread_join(receiver->thread, NULL);
        receiver->started = 0;
    }
    if (receiver->listen_fd >= 0)
        close(receiver->listen_fd);
    receiver->listen_fd = -1;
}

/*
 * Copies the string value of the first "key" in json to out. This is enough
 * for the ids in the API's responses, which contain no escapes; a real program
 * would use a JSON library such as cJSON or jansson.
 */
static int json_get_string(const char *json, const char *key, char *out,
                           size_t size)
{
    char pattern[64];
    const char *start;
    const char *end;

    snprintf(pattern, sizeof(pattern), "\"%s\"", key);
    start = strstr(json, pattern);
    if (start == NULL)
        return -1;
    start += strlen(pattern);
    while (*start == ' ' || *start == ':')
        start++;
    if (*start != '"')
        return -1;
    start++;
    end = strchr(start, '"');
    if (end == NULL || memchr(start, '\\', (size_t)(end - start)) != NULL ||
        (size_t)(end - start) >= size)
        return -1;
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = '\0';
    return 0;
}

/*
 * Returns a copy of json whose value of the first "key" is replaced by the
 * JSON literal value, or NULL. The value replaced is a string, true, false,
 * null or a number. Free the result with free().
 */
static char *json_replace_value(const char *json, const char *key,
                                const char *value)
{
    char pattern[64];
    const char *start;
    const char *end;
    char *edited;
    size_t prefix, suffix;

    snprintf(pattern, sizeof(pattern), "\"%s\"", key);
    start = strstr(json, pattern);
    if (start == NULL)
        return NULL;
    start += strlen(pattern);
    while (*start == ' ' || *start == ':')
        start++;
    end = start;
    if (*end == '"') {
        for (end++; *end != '\0' && *end != '"'; end++)
            if (*end == '\\' && end[1] != '\0')
                end++;
        if (*end != '"')
            return NULL;
        end++;
    } else {
        while (*end != '\0' && *end != ',' && *end != '}' && *end != ' ')
            end++;
    }
    prefix = (size_t)(start - json);
    suffix = strlen(end);
    edited = malloc(prefix + strlen(value) + suffix + 1);
    if (edited == NULL)
        return NULL;
    memcpy(edited, json, prefix);
    strcpy(edited + prefix, value);
    strcat(edited + prefix, end);
    return edited;
}

/* Prints a failed step with the error JSON and returns nonzero. */
static int failed(const char *step, vw_result result, const char *error_json)
{
    fprintf(stderr, "%s failed: %s (%d): %s\n", step,
            vw_result_text((int)result), (int)result,
            error_json != NULL ? error_json : "(no details)");
    return 1;
}

/* Counts the webhooks in a list answer by their "webhookId" fields. */
static int count_webhooks(const char *json)
{
    int count = 0;
    const char *at = json;
    while ((at = strstr(at, "\"webhookId\"")) != NULL) {
        count++;
        at++;
    }
    return count;
}

int main(int argc, char **argv)
{
    vw_client *client = NULL;
    vw_result result;
    char *json = NULL;
    char *edited = NULL;
    char target_url[512];
    char request[1024];
    char key_name[64];
    char webhook_id[128];
    struct receiver receiver;
    int exit_code = 1;

    memset(&receiver, 0, sizeof(receiver));
    receiver.listen_fd = -1;
    snprintf(key_name, sizeof(key_name), "lifecycle-key-%ld",
             (long)getpid());

    /* Create the client from the VISIER_* environment variables. */
    result = vw_client_from_env(&client);
    if (result != VW_OK) {
        char *error = NULL;
        vw_last_error(&error);
        failed("create client", result, error);
        vw_string_free(error);
        goto cleanup;
    }
    printf("client created, library %s\n", vw_version());

    /* Use the URL given, or start a receiver on loopback. */
    if (argc > 1) {
        snprintf(target_url, sizeof(target_url), "%s", argv[1]);
    } else {
        if (receiver_start(&receiver) != 0) {
            perror("start receiver");
            goto cleanup;
        }
        snprintf(target_url, sizeof(target_url), "http://127.0.0.1:%d/hook",
                 receiver.port);
    }
    printf("target url %s\n", target_url);

    /* Generate the key that signs notifications; its value is not printed. */
    snprintf(request, sizeof(request),
             "{\"keyName\": \"%s\", \"algorithm\": \"HmacSHA256\"}", key_name);
    result = vw_generate_key(client, request, &json);
    if (result != VW_OK) {
        failed("generate key", result, json);
        goto cleanup;
    }
    printf("generated key %s\n", key_name);
    vw_string_free(json);
    json = NULL;

    /* Create an inactive webhook with basic authentication. */
    snprintf(request, sizeof(request),
             "{\"details\": {\"targetUrl\": \"%s\", \"isActive\": false, "
             "\"events\": [{\"eventType\": \"jobResultSuccess\"}, "
             "{\"eventType\": \"jobResultFailure\"}], \"keyName\": \"%s\", "
             "\"displayName\": \"C lifecycle example\"}, "
             "\"credentials\": {\"basicAuth\": {\"username\": \"receiver\", "
             "\"password\": \"receiver-password\"}}}",
             target_url, key_name);
    result = vw_create_webhook(client, request, &json);
    if (result != VW_OK) {
        failed("create webhook", result, json);
        goto cleanup;
    }
    if (json_get_string(json, "webhookId", webhook_id,
                        sizeof(webhook_id)) != 0) {
        fprintf(stderr, "create webhook: no webhookId in %s\n", json);
        goto cleanup;
    }
    printf("created webhook %s\n", webhook_id);
    vw_string_free(json);
    json = NULL;

    /* List the webhooks that listen for job successes. */
    result = vw_list_webhooks(client, -1, "jobResultSuccess", &json);
    if (result != VW_OK) {
        failed("list webhooks", result, json);
        goto cleanup;
    }
    printf("listed %d webhook(s)\n", count_webhooks(json));
    vw_string_free(json);
    json = NULL;

    /* Get the webhook. */
    result = vw_get_webhook(client, webhook_id, &json);
    if (result != VW_OK) {
        failed("get webhook", result, json);
        goto cleanup;
    }
    printf("got webhook: %s\n", json);

    /* Activate and rename it by read-modify-write of the JSON just read. */
    edited = json_replace_value(json, "isActive", "true");
    vw_string_free(json);
    json = NULL;
    if (edited != NULL) {
        char *renamed = json_replace_value(edited, "displayName",
                                           "\"C lifecycle example, active\"");
        free(edited);
        edited = renamed;
    }
    if (edited == NULL) {
        fprintf(stderr, "edit webhook: isActive or displayName not found\n");
        goto cleanup;
    }
    result = vw_update_webhook(client, webhook_id, edited, &json);
    if (result != VW_OK) {
        failed("update webhook", result, json);
        goto cleanup;
    }
    printf("updated webhook: %s\n", json);
    vw_string_free(json);
    json = NULL;

    /* Switch its credentials from basic authentication to an access token. */
    result = vw_update_credentials(client, webhook_id,
                                   "{\"accessToken\": \"receiver-token\"}",
                                   &json);
    if (result != VW_OK) {
        failed("update credentials", result, json);
        goto cleanup;
    }
    printf("switched credentials to an access token\n");
    vw_string_free(json);
    json = NULL;

    /* Send a test event and show what the receiver answered. */
    result = vw_send_test_event(client, webhook_id, "jobResultSuccess", &json);
    if (result != VW_OK) {
        failed("send test event", result, json);
        goto cleanup;
    }
    printf("sent test event: %s\n", json);
    vw_string_free(json);
    json = NULL;
    if (receiver.started) {
        receiver_stop(&receiver);
        printf("receiver got: %s\n", receiver.request_line);
    }

    /* Remove its credentials. */
    result = vw_delete_credentials(client, webhook_id, &json);
    if (result != VW_OK) {
        failed("delete credentials", result, json);
        goto cleanup;
    }
    printf("deleted credentials\n");
    vw_string_free(json);
    json = NULL;

    /* Delete the webhook. */
    result = vw_delete_webhook(client, webhook_id, &json);
    if (result != VW_OK) {
        failed("delete webhook", result, json);
        goto cleanup;
    }
    printf("deleted webhook %s\n", webhook_id);
    vw_string_free(json);
    json = NULL;

    /* Delete the key. */
    result = vw_delete_key(client, key_name, &json);
    if (result != VW_OK) {
        failed("delete key", result, json);
        goto cleanup;
    }
    printf("deleted key %s\n", key_name);
    exit_code = 0;

cleanup:
    vw_string_free(json);
    free(edited);
    receiver_stop(&receiver);
    vw_client_free(client);
    return exit_code;
}
