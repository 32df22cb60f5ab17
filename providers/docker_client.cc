#include "providers/docker_client.h"

#include <curl/curl.h>
#include <stdio.h>

#include <memory>

namespace occam {
namespace {

using nlohmann::json;

// The API version both Debian 12's engine (1.41) and newer ones accept.
constexpr char kApiVersion[] = "/v1.41";

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

Status EngineError(long code, const std::string& what,
                   const std::string& message) {
  std::string m = what + ": " + message;
  if (code == 404) return Status::NotFound(m);
  if (code == 409) return Status::Busy(m);
  if (code == 400) return Status::InvalidArgument(m);
  return Status::Unavailable(m + " (HTTP " + std::to_string(code) + ")");
}

// The engine's explanation in an error answer: {"message": …} or the text.
std::string ErrorMessage(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_object() && parsed.contains("message") &&
      parsed["message"].is_string()) {
    return parsed["message"].get<std::string>();
  }
  return text.empty() ? "no explanation" : text.substr(0, 500);
}

// Streaming answers (image import, pull) are JSON lines; an error is a line
// with "error". Returns the last line's object, or the error.
Status ParseStream(const std::string& text, json* answer) {
  json last;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    json line = json::parse(text.substr(start, end - start), nullptr, false);
    start = end + 1;
    if (line.is_discarded()) continue;
    if (line.is_object() && line.contains("error")) {
      return Status::Unavailable(line["error"].is_string()
                                     ? line["error"].get<std::string>()
                                     : line["error"].dump());
    }
    last = std::move(line);
  }
  *answer = std::move(last);
  return Status::Ok();
}

// The engine's answer as JSON: one document, or a progress stream whose
// error ParseStream reports.
Status ParseAnswer(const std::string& received, json* answer) {
  if (!answer) return Status::Ok();
  *answer = json();
  if (received.empty()) return Status::Ok();
  *answer = json::parse(received, nullptr, false);
  if (answer->is_discarded() ||
      (answer->is_object() && answer->contains("error"))) {
    return ParseStream(received, answer);
  }
  return Status::Ok();
}

}  // namespace

Status ParseDockerEndpoint(const std::string& endpoint,
                           const std::string& default_socket,
                           DockerEndpoint* out) {
  out->display = endpoint.empty() ? "unix://" + default_socket : endpoint;
  bool unix_socket = true;
  if (endpoint.empty()) {
    out->socket_path = default_socket;
  } else if (StartsWith(endpoint, "unix://")) {
    out->socket_path = endpoint.substr(7);
  } else if (StartsWith(endpoint, "tcp://")) {
    unix_socket = false;
    out->base_url = "http://" + endpoint.substr(6);
  } else if (StartsWith(endpoint, "http://")) {
    unix_socket = false;
    out->base_url = endpoint;
  } else {
    return Status::InvalidArgument(
        "docker endpoint '" + endpoint +
        "' is not one occam can reach; write unix:///var/run/docker.sock "
        "(the local engine) or tcp://HOST:PORT");
  }
  if (unix_socket) {
    if (out->socket_path.empty() || out->socket_path[0] != '/') {
      return Status::InvalidArgument("docker endpoint '" + endpoint +
                                     "' needs an absolute socket path, as in "
                                     "unix:///var/run/docker.sock");
    }
    out->base_url = "http://localhost";
  }
  while (!out->base_url.empty() && out->base_url.back() == '/') {
    out->base_url.pop_back();
  }
  return Status::Ok();
}

std::string UrlEncode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Status DockerClient::Call(const std::string& method, const std::string& path,
                          const json& body, json* answer,
                          long timeout_seconds) const {
  std::string text;
  if (!body.is_null()) text = body.dump();
  std::string received;
  Status s = Exchange(method, path, "application/json",
                      body.is_null() ? nullptr : &text, nullptr, &received,
                      timeout_seconds);
  return s.ok() ? ParseAnswer(received, answer) : s;
}

Status DockerClient::CallRaw(const std::string& method, const std::string& path,
                             const json& body, std::string* received,
                             long timeout_seconds) const {
  std::string text = body.dump();
  return Exchange(method, path, "application/json", &text, nullptr, received,
                  timeout_seconds);
}

Status DockerClient::Upload(const std::string& path, const std::string& file,
                            json* answer) const {
  std::string received;
  Status s = Exchange("POST", path, nullptr, nullptr, &file, &received, 600);
  return s.ok() ? ParseAnswer(received, answer) : s;
}

Status DockerClient::Send(const std::string& method, const std::string& path,
                          const char* content_type, const std::string& bytes,
                          json* answer, long timeout_seconds) const {
  std::string received;
  Status s = Exchange(method, path, content_type, &bytes, nullptr, &received,
                      timeout_seconds);
  return s.ok() ? ParseAnswer(received, answer) : s;
}

Status DockerClient::Exchange(const std::string& method,
                              const std::string& path,
                              const char* content_type,
                              const std::string* body,
                              const std::string* file, std::string* received,
                              long timeout_seconds) const {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                           curl_easy_cleanup);
  if (!curl) return Status::Internal("libcurl could not start");
  CURL* c = curl.get();
  std::string url = endpoint_.base_url + kApiVersion + path;
  received->clear();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  if (!endpoint_.socket_path.empty()) {
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH,
                     endpoint_.socket_path.c_str());
  }
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_seconds);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, received);
  curl_slist* headers = nullptr;
  std::unique_ptr<FILE, decltype(&fclose)> upload(nullptr, fclose);
  if (body) {
    headers = curl_slist_append(
        headers, (std::string("Content-Type: ") + content_type).c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body->size()));
  } else if (file) {
    upload.reset(fopen(file->c_str(), "rb"));
    if (!upload) return Status::IOError("cannot read " + *file);
    headers = curl_slist_append(headers, "Content-Type: application/x-tar");
    headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READDATA, upload.get());
  } else if (method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
  }
  // CURLOPT_UPLOAD makes the method PUT; the custom request keeps POST.
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  std::string what = method + " " + path + " on " + endpoint_.display;
  if (rc != CURLE_OK) {
    return Status::Unavailable("cannot reach the Docker Engine at " +
                               endpoint_.display + ": " +
                               curl_easy_strerror(rc) +
                               "; is dockerd running?");
  }
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  // 304: the container was already stopped (or started); that is success.
  if (code >= 300 && code != 304) {
    return EngineError(code, what, ErrorMessage(*received));
  }
  return Status::Ok();
}

}  // namespace occam
