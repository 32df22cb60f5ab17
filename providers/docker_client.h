// DockerClient speaks the Docker Engine HTTP API, over the engine's unix
// socket (libcurl's CURLOPT_UNIX_SOCKET_PATH) or over plain TCP, for the
// docker and docker_service providers. One call is one HTTP exchange; the
// client keeps no connection, so it may be used from several threads.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace occam {

// Where an engine listens: a unix socket, or an http:// base URL.
struct DockerEndpoint {
  std::string socket_path;  // set for unix://PATH
  std::string base_url;     // "http://localhost" for sockets, else the URL
  std::string display;      // as the user wrote it, for messages
};

// Parses Occopus's `endpoint`: "unix:///var/run/docker.sock",
// "tcp://127.0.0.1:2375" or "http://…"; an empty endpoint means
// `default_socket`.
Status ParseDockerEndpoint(const std::string& endpoint,
                           const std::string& default_socket,
                           DockerEndpoint* out);

class DockerClient {
 public:
  explicit DockerClient(DockerEndpoint endpoint)
      : endpoint_(std::move(endpoint)) {}

  // Sends METHOD PATH (PATH after the API version, "/containers/json") with
  // a JSON body unless `body` is null; `*answer` is the parsed answer (null
  // when empty). Engine errors become Status: 404 NotFound, 409 Busy,
  // 400 InvalidArgument, others Unavailable, with the engine's message.
  Status Call(const std::string& method, const std::string& path,
              const nlohmann::json& body, nlohmann::json* answer,
              long timeout_seconds = 120) const;
  // As Call with a JSON `body`, but `*received` is the answer as the engine
  // sent it (the multiplexed output stream of POST /exec/ID/start).
  Status CallRaw(const std::string& method, const std::string& path,
                 const nlohmann::json& body, std::string* received,
                 long timeout_seconds) const;
  // METHOD PATH with `bytes` as a body of `content_type` (a tar archive for
  // PUT /containers/ID/archive). `*answer` as Call's.
  Status Send(const std::string& method, const std::string& path,
              const char* content_type, const std::string& bytes,
              nlohmann::json* answer, long timeout_seconds = 120) const;
  // POST PATH with the contents of file `file` as the body (image import).
  Status Upload(const std::string& path, const std::string& file,
                nlohmann::json* answer) const;

  const DockerEndpoint& endpoint() const { return endpoint_; }

 private:
  Status Exchange(const std::string& method, const std::string& path,
                  const char* content_type, const std::string* body,
                  const std::string* file, std::string* received,
                  long timeout_seconds) const;

  DockerEndpoint endpoint_;
};

// Percent-encodes `text` for a query string.
std::string UrlEncode(const std::string& text);

}  // namespace occam
