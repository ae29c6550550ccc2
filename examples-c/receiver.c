/*
 * A CGI program that receives Visier's webhook notifications: it checks the
 * Authorization header and the x-visier-signature header of one request and
 * responds with the event JSON, so any web server that runs CGI programs can
 * host it.
 *
 * The web server sets these variables for each request (RFC 3875):
 *   REQUEST_METHOD           must be POST
 *   CONTENT_LENGTH           length of the body on stdin, in bytes
 *   HTTP_X_VISIER_SIGNATURE  the x-visier-signature header
 *   HTTP_AUTHORIZATION       the Authorization header
 * Set these in the server's configuration:
 *   VISIER_SIGNING_KEY       value of the webhook's encryption key (required)
 *   VISIER_RECEIVER_TOKEN    the webhook's access token, or
 *   VISIER_RECEIVER_USER and VISIER_RECEIVER_PASSWORD
 *                            the webhook's Basic credentials. When none is
 *                            set, the Authorization header is not checked.
 *
 * Responses: 200 with the event JSON; 401 for a missing, malformed or wrong
 * signature or Authorization header; 400 for a body that is not a
 * notification or is shorter than CONTENT_LENGTH; 405 for a method other than
 * POST; 411 without CONTENT_LENGTH; 413 for a body over 1 MiB; 500 for a
 * configuration error. The reason of every failure goes to stderr, which
 * contains no key or credentials. Apache httpd writes a CGI program's stderr
 * to its error log; lighttpd keeps it only when server.breakagelog is set.
 *
 * The signature proves who sent a body, not when: a captured notification
 * verifies again if replayed. A receiver that must reject replays keeps the
 * eventId values it has accepted, or rejects an old "timestamp" (epoch
 * milliseconds), bearing in mind that Visier retries a failed notification.
 *
 * Apache httpd does not pass the Authorization header to CGI programs by
 * default. Enable it with "CGIPassAuth On" (httpd 2.4.13 and later) in the
 * program's <Directory> or <Location> section, or on older versions with
 *   SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "visier_webhooks.h"

/* Largest body accepted; a notification is a small JSON object. */
#define MAX_BODY_BYTES (1024 * 1024)

/* Writes one line to the web server's error log. */
static void log_error(const char *message, const char *detail)
{
    fprintf(stderr, "receiver: %s%s%s\n", message,
            detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

/* Writes the calling thread's last error JSON of the library to the log. */
static void log_last_error(const char *message)
{
    char *error_json = NULL;

    if (vw_last_error(&error_json) == VW_OK) {
        log_error(message, error_json);
    } else {
        log_error(message, NULL);
    }
    vw_string_free(error_json);
}

/* Returns the HTTP status for a failed check of the library. */
static int status_for(vw_result result)
{
    switch (result) {
    case VW_ERROR_SIGNATURE_INVALID:
    case VW_ERROR_SIGNATURE_MISSING:
    case VW_ERROR_SIGNATURE_MALFORMED:
    case VW_ERROR_AUTHORIZATION_MISSING:
    case VW_ERROR_AUTHORIZATION_MALFORMED:
    case VW_ERROR_AUTHORIZATION_INVALID:
        return 401;
    case VW_ERROR_NOTIFICATION_INVALID:
        return 400;
    default:
        /* An empty key or rejected credentials settings: the configuration. */
        return 500;
    }
}

/*
 * Returns text as a quoted JSON string in a new buffer that the caller frees,
 * or NULL when out of memory. Bytes from 0x80 up are copied unchanged, so
 * UTF-8 stays UTF-8.
 */
static char *json_quote(const char *text)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *byte;
    size_t length = 2;
    char *quoted;
    char *out;

    for (byte = (const unsigned char *)text; *byte != '\0'; byte++) {
        if (*byte == '"' || *byte == '\\') {
            length += 2;
        } else if (*byte < 0x20) {
            length += 6;
        } else {
            length += 1;
        }
    }
    quoted = malloc(length + 1);
    if (quoted == NULL) {
        return NULL;
    }
    out = quoted;
    *out++ = '"';
    for (byte = (const unsigned char *)text; *byte != '\0'; byte++) {
        if (*byte == '"' || *byte == '\\') {
            *out++ = '\\';
            *out++ = (char)*byte;
        } else if (*byte < 0x20) {
            memcpy(out, "\\u00", 4);
            out[4] = hex[*byte >> 4];
            out[5] = hex[*byte & 0x0f];
            out += 6;
        } else {
            *out++ = (char)*byte;
        }
    }
    *out++ = '"';
    *out = '\0';
    return quoted;
}

/* Returns the variable's value, or NULL when it is unset or empty. */
static const char *setting(const char *name)
{
    const char *value = getenv(name);

    return value != NULL && value[0] != '\0' ? value : NULL;
}

/*
 * Builds the credentials JSON for vw_verify_authorization from the
 * VISIER_RECEIVER_* variables. *expected_json receives NULL when none is set,
 * or a string that the caller frees. Returns 0, or -1 for a contradictory
 * setting or when out of memory.
 */
static int build_expected_json(char **expected_json)
{
    const char *token = setting("VISIER_RECEIVER_TOKEN");
    const char *user = setting("VISIER_RECEIVER_USER");
    const char *password = setting("VISIER_RECEIVER_PASSWORD");
    char *first = NULL;
    char *second = NULL;
    size_t size;
    int status = -1;

    *expected_json = NULL;

    /* Check that the settings name one kind of credentials. */
    if (token != NULL && (user != NULL || password != NULL)) {
        log_error("set either VISIER_RECEIVER_TOKEN or VISIER_RECEIVER_USER "
                  "and VISIER_RECEIVER_PASSWORD, not both", NULL);
        goto cleanup;
    }
    if ((user == NULL) != (password == NULL)) {
        log_error("VISIER_RECEIVER_USER and VISIER_RECEIVER_PASSWORD must be "
                  "set together", NULL);
        goto cleanup;
    }
    if (token == NULL && user == NULL) {
        status = 0;
        goto cleanup;
    }

    /* Quote the values as JSON strings. */
    first = json_quote(token != NULL ? token : user);
    second = token != NULL ? NULL : json_quote(password);
    if (first == NULL || (token == NULL && second == NULL)) {
        log_error("out of memory", NULL);
        goto cleanup;
    }

    /* Write the object. */
    size = strlen(first) + (second != NULL ? strlen(second) : 0) + 64;
    *expected_json = malloc(size);
    if (*expected_json == NULL) {
        log_error("out of memory", NULL);
        goto cleanup;
    }
    if (token != NULL) {
        snprintf(*expected_json, size, "{\"accessToken\":%s}", first);
    } else {
        snprintf(*expected_json, size, "{\"username\":%s,\"password\":%s}",
                 first, second);
    }
    status = 0;

cleanup:
    free(first);
    free(second);
    return status;
}

/*
 * Parses CONTENT_LENGTH into *length. Returns 0, or the HTTP status to send:
 * 411 when it is unset, 400 when it is not a decimal number, 413 when it
 * exceeds MAX_BODY_BYTES.
 */
static int read_content_length(size_t *length)
{
    const char *text = getenv("CONTENT_LENGTH");
    const char *digit;
    size_t value = 0;

    if (text == NULL || text[0] == '\0') {
        return 411;
    }
    for (digit = text; *digit != '\0'; digit++) {
        if (*digit < '0' || *digit > '9') {
            return 400;
        }
        value = value * 10 + (size_t)(*digit - '0');
        /* Stopping here also keeps value from overflowing. */
        if (value > MAX_BODY_BYTES) {
            return 413;
        }
    }
    *length = value;
    return 0;
}

/*
 * Checks the request and reads its event. Returns the HTTP status to send. On
 * 200, *event_json receives the event JSON, freed with vw_string_free.
 */
static int receive(char **event_json)
{
    const char *method = getenv("REQUEST_METHOD");
    const char *key = setting("VISIER_SIGNING_KEY");
    unsigned char *body = NULL;
    char *expected_json = NULL;
    size_t body_len = 0;
    size_t received = 0;
    vw_result result;
    int length_status;
    int http_status = 500;

    /* Accept only POST. */
    if (method == NULL || strcmp(method, "POST") != 0) {
        log_error("method not allowed", method);
        http_status = 405;
        goto cleanup;
    }

    /* Read the key and the expected credentials from the configuration. */
    if (key == NULL) {
        log_error("VISIER_SIGNING_KEY is not set", NULL);
        goto cleanup;
    }
    if (build_expected_json(&expected_json) != 0) {
        goto cleanup;
    }

    /* Read exactly CONTENT_LENGTH bytes of body; they may contain NUL. */
    length_status = read_content_length(&body_len);
    if (length_status != 0) {
        log_error("invalid CONTENT_LENGTH", getenv("CONTENT_LENGTH"));
        http_status = length_status;
        goto cleanup;
    }
    body = malloc(body_len > 0 ? body_len : 1);
    if (body == NULL) {
        log_error("out of memory", NULL);
        goto cleanup;
    }
    while (received < body_len) {
        size_t count = fread(body + received, 1, body_len - received, stdin);
        if (count == 0) {
            break;
        }
        received += count;
    }
    if (received < body_len) {
        log_error("the body is shorter than CONTENT_LENGTH", NULL);
        http_status = 400;
        goto cleanup;
    }

    /* Check the Authorization header before the signature. */
    if (expected_json != NULL) {
        result = vw_verify_authorization(getenv("HTTP_AUTHORIZATION"),
                                         expected_json);
        if (result != VW_OK) {
            log_last_error("authorization rejected");
            http_status = status_for(result);
            goto cleanup;
        }
    }

    /* Verify the signature over the body, then read the event. */
    result = vw_verify_notification(body, body_len,
                                    getenv("HTTP_X_VISIER_SIGNATURE"),
                                    (const uint8_t *)key, strlen(key),
                                    event_json);
    if (result != VW_OK) {
        /* On failure *event_json contains the error JSON. */
        log_error("notification rejected", *event_json);
        vw_string_free(*event_json);
        *event_json = NULL;
        http_status = status_for(result);
        goto cleanup;
    }
    http_status = 200;

cleanup:
    free(body);
    free(expected_json);
    return http_status;
}

/* Returns the reason phrase of an HTTP status that receive() returns. */
static const char *reason_phrase(int http_status)
{
    switch (http_status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    default: return "Internal Server Error";
    }
}

int main(void)
{
    char *event_json = NULL;
    int http_status;
    const char *reason;

    /* Check the request and read the event. */
    http_status = receive(&event_json);
    reason = reason_phrase(http_status);

    /* Respond in CGI form: a Status header, then the body. */
    printf("Status: %d %s\r\n", http_status, reason);
    if (http_status == 405) {
        printf("Allow: POST\r\n");
    }
    if (event_json != NULL) {
        printf("Content-Type: application/json\r\n\r\n%s\n", event_json);
    } else {
        printf("Content-Type: text/plain\r\n\r\n%s\n", reason);
    }
    vw_string_free(event_json);

    return fflush(stdout) == 0 && !ferror(stdout) ? EXIT_SUCCESS
                                                   : EXIT_FAILURE;
}
