/*
 * Benchmark client 3: what a C programmer writes by hand with libcurl.
 *
 * One easy handle is reused for every call, so libcurl keeps one connection
 * open. Each response body is appended to a growing buffer and checked with
 * plain string handling: status 200 and a body that starts with '{'. No JSON
 * library parses it. The PUT sends back the body that the first get
 * returned.
 *
 * Command line and environment are those of every benchmark client (see
 * bench/src/lib.rs): libcurl_client WEBHOOK_ID cold, or
 * libcurl_client WEBHOOK_ID CALLS OUTPUT.
 */

#define _POSIX_C_SOURCE 200809L

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The same values as WARMUP_CALLS and OPERATIONS in bench/src/lib.rs. */
#define WARMUP_CALLS 20
static const char *const OPERATIONS[] = {"get", "list", "put"};
#define OPERATION_COUNT 3

/* A growing response body, always NUL-terminated. */
struct buffer {
    char *data;
    size_t length;
    size_t capacity;
};

static size_t append(char *chunk, size_t size, size_t count, void *user_data)
{
    struct buffer *buffer = user_data;
    size_t bytes = size * count;
    if (buffer->length + bytes + 1 > buffer->capacity) {
        size_t capacity = buffer->capacity * 2;
        while (capacity < buffer->length + bytes + 1)
            capacity *= 2;
        char *data = realloc(buffer->data, capacity);
        if (data == NULL)
            return 0; /* libcurl then fails the transfer with CURLE_WRITE_ERROR */
        buffer->data = data;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->length, chunk, bytes);
    buffer->length += bytes;
    buffer->data[buffer->length] = '\0';
    return bytes;
}

static const char *required_env(const char *name)
{
    const char *value = getenv(name);
    if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "libcurl_client: missing environment variable %s\n",
                name);
        exit(1);
    }
    return value;
}

static long long now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

/* Performs the transfer set up on the handle; returns 0 on status 200. */
static int perform(CURL *curl, struct buffer *body, const char *what)
{
    long status = 0;
    body->length = 0;
    body->data[0] = '\0';
    CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK) {
        fprintf(stderr, "libcurl_client: %s failed: %s\n", what,
                curl_easy_strerror(code));
        return -1;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        fprintf(stderr, "libcurl_client: %s got status %ld\n", what, status);
        return -1;
    }
    return 0;
}

/* Sets the handle up for a GET of url. */
static void set_get(CURL *curl, const char *url, struct curl_slist *headers)
{
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_URL, url);
}

/* Sets the handle up for a PUT of the JSON body in put_body. */
static void set_put(CURL *curl, const char *url, struct curl_slist *headers,
                    const struct buffer *put_body)
{
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, put_body->data);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)put_body->length);
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
            fprintf(stderr, "usage: libcurl_client WEBHOOK_ID cold | "
                            "libcurl_client WEBHOOK_ID CALLS OUTPUT\n");
            return 2;
        }
    }
    const char *host = required_env("VISIER_HOST");
    const char *api_key = required_env("VISIER_APIKEY");
    const char *username = required_env("VISIER_USERNAME");
    const char *password = required_env("VISIER_PASSWORD");

    CURL *curl = NULL;
    struct curl_slist *token_headers = NULL;
    struct curl_slist *headers = NULL;
    struct curl_slist *put_headers = NULL;
    struct buffer body = {malloc(16384), 0, 16384};
    struct buffer webhook = {NULL, 0, 0};
    char *form = NULL, *user_part = NULL, *password_part = NULL;
    char *id_part = NULL;
    size_t form_size = 0;
    long long *latencies = NULL;
    FILE *output = NULL;
    char line[4096], get_url[2048], list_url[2048], token_url[2048];

    /* Set up libcurl and one easy handle for every call. */
    if (body.data == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        goto cleanup;
    curl = curl_easy_init();
    if (curl == NULL)
        goto cleanup;
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);

    /* Fetch a security token with the form-encoded user and password. */
    snprintf(line, sizeof line, "apikey: %s", api_key);
    token_headers = curl_slist_append(NULL, line);
    user_part = curl_easy_escape(curl, username, 0);
    password_part = curl_easy_escape(curl, password, 0);
    if (token_headers == NULL || user_part == NULL || password_part == NULL)
        goto cleanup;
    form_size = strlen(user_part) + strlen(password_part) + 32;
    form = malloc(form_size);
    if (form == NULL)
        goto cleanup;
    snprintf(form, form_size, "username=%s&password=%s", user_part,
             password_part);
    snprintf(token_url, sizeof token_url, "%s/v1/admin/visierSecureToken",
             host);
    curl_easy_setopt(curl, CURLOPT_URL, token_url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, token_headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
    if (perform(curl, &body, "the token request") != 0)
        goto cleanup;

    /*
     * Build the headers of every API call (apikey, token cookie, accept), and
     * those of the PUT, which add the body's type and turn off
     * "Expect: 100-continue".
     */
    char apikey_line[1024], cookie_line[4096];
    snprintf(apikey_line, sizeof apikey_line, "apikey: %s", api_key);
    snprintf(cookie_line, sizeof cookie_line, "Cookie: VisierASIDToken=%s",
             body.data);
    const char *common[] = {apikey_line, cookie_line, "Accept: application/json"};
    for (int i = 0; i < 3; i++) {
        headers = curl_slist_append(headers, common[i]);
        put_headers = curl_slist_append(put_headers, common[i]);
        if (headers == NULL || put_headers == NULL)
            goto cleanup;
    }
    put_headers = curl_slist_append(put_headers, "Content-Type: application/json");
    put_headers = put_headers ? curl_slist_append(put_headers, "Expect:") : NULL;
    if (put_headers == NULL)
        goto cleanup;

    /* Get the webhook once; its body is what the PUT sends back. */
    id_part = curl_easy_escape(curl, argv[1], 0);
    if (id_part == NULL)
        goto cleanup;
    snprintf(get_url, sizeof get_url, "%s/v1/op/webhooks/%s", host, id_part);
    snprintf(list_url, sizeof list_url, "%s/v1/op/webhooks", host);
    set_get(curl, get_url, headers);
    if (perform(curl, &body, "get") != 0 || body.data[0] != '{')
        goto cleanup;
    if (cold) {
        result = 0;
        goto cleanup;
    }
    webhook.data = malloc(body.length + 1);
    if (webhook.data == NULL)
        goto cleanup;
    memcpy(webhook.data, body.data, body.length + 1);
    webhook.length = body.length;
    for (int i = 1; i < WARMUP_CALLS; i++) {
        if (perform(curl, &body, "get") != 0)
            goto cleanup;
    }

    /* Time each operation's calls. */
    latencies = malloc(sizeof *latencies * (size_t)calls * OPERATION_COUNT);
    if (latencies == NULL)
        goto cleanup;
    for (int op = 0; op < OPERATION_COUNT; op++) {
        if (op == 0)
            set_get(curl, get_url, headers);
        else if (op == 1)
            set_get(curl, list_url, headers);
        else
            set_put(curl, get_url, put_headers, &webhook);
        for (long i = 0; i < calls; i++) {
            long long started = now_ns();
            if (perform(curl, &body, OPERATIONS[op]) != 0 || body.data[0] != '{')
                goto cleanup;
            latencies[op * calls + i] = now_ns() - started;
        }
    }

    /* Write one line per timed call. */
    output = fopen(argv[3], "w");
    if (output == NULL) {
        fprintf(stderr, "libcurl_client: opening %s failed\n", argv[3]);
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
    free(webhook.data);
    free(form);
    curl_free(user_part);
    curl_free(password_part);
    curl_free(id_part);
    curl_slist_free_all(headers);
    curl_slist_free_all(put_headers);
    curl_slist_free_all(token_headers);
    if (curl != NULL)
        curl_easy_cleanup(curl);
    curl_global_cleanup();
    free(body.data);
    return result;
}
