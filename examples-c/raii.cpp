// The C API wrapped in C++ RAII types: the client handle and every returned
// string are released by destructors, and a failed call throws an exception
// carrying the error JSON.
//
// Usage: raii
//
// The client is configured from the VISIER_* environment variables. The
// program creates an inactive webhook, reads it back, lists the webhook
// statuses and deletes the webhook.

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "visier_webhooks.h"

namespace {

// A string owned by the library, released with vw_string_free.
struct StringDeleter {
    void operator()(char *text) const { vw_string_free(text); }
};
using OwnedString = std::unique_ptr<char, StringDeleter>;

// A failed call: the result code and the library's error JSON.
class Error : public std::runtime_error {
public:
    Error(const std::string &step, vw_result result, const std::string &json)
        : std::runtime_error(step + " failed: " + vw_result_text(result) +
                             ": " + json),
          result_(result) {}

    vw_result result() const { return result_; }

private:
    vw_result result_;
};

// Converts the output of a call to a std::string, or throws.
std::string take(const std::string &step, vw_result result, char *raw) {
    OwnedString owned(raw);
    std::string text = owned ? owned.get() : "";
    if (result != VW_OK) {
        throw Error(step, result, text);
    }
    return text;
}

// A client handle, released with vw_client_free.
class Client {
public:
    static Client from_env() {
        vw_client *raw = nullptr;
        vw_result result = vw_client_from_env(&raw);
        if (result != VW_OK) {
            char *error = nullptr;
            vw_last_error(&error);
            take("create client", result, error);
            // The last error is empty only when no call has failed, which
            // cannot happen here.
            throw Error("create client", result, "");
        }
        return Client(raw);
    }

    std::string create_webhook(const std::string &request) const {
        char *out = nullptr;
        vw_result result =
            vw_create_webhook(handle_.get(), request.c_str(), &out);
        return take("create webhook", result, out);
    }

    std::string get_webhook(const std::string &id) const {
        char *out = nullptr;
        vw_result result = vw_get_webhook(handle_.get(), id.c_str(), &out);
        return take("get webhook", result, out);
    }

    std::string list_statuses() const {
        char *out = nullptr;
        vw_result result =
            vw_list_webhook_statuses(handle_.get(), -1, nullptr, &out);
        return take("list webhook statuses", result, out);
    }

    std::string delete_webhook(const std::string &id) const {
        char *out = nullptr;
        vw_result result = vw_delete_webhook(handle_.get(), id.c_str(), &out);
        return take("delete webhook", result, out);
    }

private:
    struct Deleter {
        void operator()(vw_client *client) const { vw_client_free(client); }
    };

    explicit Client(vw_client *raw) : handle_(raw) {}

    std::unique_ptr<vw_client, Deleter> handle_;
};

// Returns the string value of "key" in an API response; ids contain no escapes.
std::string string_field(const std::string &json, const std::string &key) {
    std::string pattern = "\"" + key + "\":\"";
    std::size_t start = json.find(pattern);
    if (start == std::string::npos) {
        throw std::runtime_error("no " + key + " in " + json);
    }
    start += pattern.size();
    std::size_t end = json.find('"', start);
    return json.substr(start, end - start);
}

} // namespace

int main() {
    try {
        Client client = Client::from_env();

        std::string created = client.create_webhook(
            R"({"details": {"targetUrl": "http://127.0.0.1:9/unused",)"
            R"( "isActive": false, "events": [{"eventType": "dvPublish"}],)"
            R"( "displayName": "C++ RAII example"}})");
        std::string id = string_field(created, "webhookId");
        std::printf("created webhook %s\n", id.c_str());

        std::printf("got webhook: %s\n", client.get_webhook(id).c_str());
        std::printf("statuses: %s\n", client.list_statuses().c_str());

        client.delete_webhook(id);
        std::printf("deleted webhook %s\n", id.c_str());

        try {
            client.get_webhook(id);
            std::printf("the deleted webhook is still there\n");
            return 1;
        } catch (const Error &error) {
            if (error.result() != VW_ERROR_NOT_FOUND) {
                throw;
            }
            std::printf("get after delete: not found, as expected\n");
        }
    } catch (const std::exception &error) {
        std::fprintf(stderr, "%s\n", error.what());
        return 1;
    }
    return 0;
}
