"""Benchmark client 5: Visier's official Python SDK (visier-platform-sdk from PyPI).

The command line and environment are those of every benchmark client (see bench/src/lib.rs):
`sdk_client.py WEBHOOK_ID cold` or `sdk_client.py WEBHOOK_ID CALLS OUTPUT`. The SDK is pointed
at the emulator through `Configuration(host=...)`, which makes it ignore its built-in server
list. One `ApiClient` is reused, so urllib3 keeps one connection open.

It authenticates with the OAuth 2.0 password grant (`VISIER_CLIENT_ID` and
`VISIER_CLIENT_SECRET` besides the user, password and API key), and sends the access token as
`Authorization: Bearer`. The SDK's other mode, a security token from
`/v1/admin/visierSecureToken`, sends that request without the `apikey` header, which Visier's
spec allows and the emulator accepts; it is not the mode measured here.
"""

import os
import sys
import time

from visier_platform_sdk import ApiClient, Configuration, WebhooksApi

# Untimed gets before the timed calls, and the timed operations in order; the same values as
# WARMUP_CALLS and OPERATIONS in bench/src/lib.rs.
WARMUP_CALLS = 20
OPERATIONS = ("get", "list", "put")


def main(argv):
    if len(argv) == 2 and argv[1] == "cold":
        webhook_id, calls, output = argv[0], None, None
    elif len(argv) == 3 and argv[1].isdigit() and int(argv[1]) > 0:
        webhook_id, calls, output = argv[0], int(argv[1]), argv[2]
    else:
        sys.exit("usage: sdk_client.py WEBHOOK_ID cold | sdk_client.py WEBHOOK_ID CALLS OUTPUT")

    config = Configuration(
        host=os.environ["VISIER_HOST"],
        api_key=os.environ["VISIER_APIKEY"],
        username=os.environ["VISIER_USERNAME"],
        password=os.environ["VISIER_PASSWORD"],
        client_id=os.environ["VISIER_CLIENT_ID"],
        client_secret=os.environ["VISIER_CLIENT_SECRET"],
    )
    api = WebhooksApi(ApiClient(config))
    webhook = api.get_webhook(webhook_id)
    if calls is None:
        return
    for _ in range(WARMUP_CALLS - 1):
        api.get_webhook(webhook_id)

    actions = {
        "get": lambda: api.get_webhook(webhook_id),
        "list": lambda: api.get_all_webhooks(),
        "put": lambda: api.update_webhook(webhook_id, webhook),
    }
    lines = []
    for operation in OPERATIONS:
        action = actions[operation]
        for _ in range(calls):
            started = time.perf_counter_ns()
            result = action()
            elapsed = time.perf_counter_ns() - started
            if operation == "list" and not result.webhooks:
                sys.exit("list returned no webhooks")
            lines.append(f"{operation} {elapsed}\n")
    with open(output, "w", encoding="ascii") as file:
        file.writelines(lines)


if __name__ == "__main__":
    main(sys.argv[1:])
