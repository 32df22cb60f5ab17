#include "providers/container_files.h"

#include <chrono>
#include <thread>

#include "base/json_fields.h"
#include "providers/docker_config.h"
#include "providers/tar_archive.h"

namespace occam {
namespace {

using nlohmann::json;

constexpr long kExecTimeoutSeconds = 60;
constexpr size_t kOutputShown = 2000;

// The output of an exec: the payloads of the engine's multiplexed stream
// (8-byte frame headers: stream, 0, 0, 0, big-endian size), stdout and
// stderr as they came; the last kOutputShown bytes.
std::string StreamText(const std::string& raw) {
  std::string text;
  size_t at = 0;
  while (at + 8 <= raw.size()) {
    size_t size = 0;
    for (int i = 4; i < 8; ++i) {
      size = size << 8 | static_cast<unsigned char>(raw[at + i]);
    }
    text += raw.substr(at + 8, size);
    at += 8 + size;
  }
  if (text.size() > kOutputShown) text = text.substr(text.size() - kOutputShown);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// docker exec: runs `argv` in the container, waits for it, and fails with
// its exit status and output when that is not 0.
Status ExecIn(const DockerClient& client, const std::string& container,
              const std::vector<std::string>& argv, const std::string& address) {
  json created;
  Status s = client.Call("POST", "/containers/" + container + "/exec",
                         {{"Cmd", argv},
                          {"AttachStdout", true},
                          {"AttachStderr", true}},
                         &created);
  if (!s.ok()) return s;
  std::string exec = JsonString(created, "Id");
  std::string raw;
  s = client.CallRaw("POST", "/exec/" + exec + "/start",
                     {{"Detach", false}, {"Tty", false}}, &raw,
                     kExecTimeoutSeconds);
  json info;
  // The stream ends when the command does; the engine may record its exit
  // a moment later.
  for (int i = 0; s.ok() && i < 100; ++i) {
    s = client.Call("GET", "/exec/" + exec + "/json", json(), &info);
    if (!s.ok() || !info.value("Running", false)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!s.ok()) return s;
  const json& code = JsonField(info, "ExitCode");
  if (code.is_number_integer() && code.get<int>() == 0) return Status::Ok();
  std::string output = StreamText(raw);
  return Status::Unavailable(
      address + ": reload command exited with status " +
      (code.is_number_integer() ? std::to_string(code.get<int>()) : "unknown") +
      (output.empty() ? "" : ": " + output));
}

// The signal `reload` names: "HUP", "SIGUSR1" or a number; "" when it names
// none (an empty one would be the engine's default, SIGKILL).
std::string SignalName(const json& reload) {
  const json& signal = JsonField(reload, "signal");
  if (signal.is_number_integer()) return signal.dump();
  return signal.is_string() ? signal.get<std::string>() : "";
}

}  // namespace

Status ContainerFilesArchive(const json& files, const std::string& address,
                             std::string* tar) {
  tar->clear();
  if (files.is_null()) return Status::Ok();
  if (!files.is_object()) {
    return Status::InvalidArgument(address + ": files must map paths to texts");
  }
  TarArchive archive;
  for (const auto& [path, text] : files.items()) {
    if (path.empty() || path[0] != '/') {
      return Status::InvalidArgument(
          address + ": files: '" + path +
          "' must be an absolute path in the container");
    }
    Status s = archive.AddFile(
        path.substr(1), text.is_string() ? text.get<std::string>() : text.dump());
    if (!s.ok()) {
      return Status::InvalidArgument(address + ": files: '" + path +
                                     "' cannot be written: " + s.message());
    }
  }
  *tar = archive.Finish();
  return Status::Ok();
}

Status PutContainerFiles(const DockerClient& client,
                         const std::string& container, const std::string& tar) {
  if (tar.empty()) return Status::Ok();
  return client.Send("PUT", "/containers/" + container + "/archive?path=%2F",
                     "application/x-tar", tar, nullptr);
}

Status CheckContainerReload(const json& reload, const std::string& address) {
  if (reload.is_null()) return Status::Ok();
  int said = 0;
  if (reload.is_object()) {
    said = reload.contains("signal") + reload.contains("command") +
           reload.contains("restart");
  }
  if (said != 1 || reload.size() != 1) {
    return Status::InvalidArgument(
        address + ": reload must be one of {signal: HUP}, {command: [...]} "
        "or {restart: true}");
  }
  if (reload.contains("signal") && SignalName(reload).empty()) {
    return Status::InvalidArgument(address +
                                   ": reload signal must name a signal (HUP)");
  }
  if (reload.contains("command")) {
    std::vector<std::string> argv;
    Status s = ContainerCommand(JsonField(reload, "command"), &argv);
    if (s.ok() && argv.empty()) {
      s = Status::InvalidArgument("the reload command is empty");
    }
    if (!s.ok()) return Status::InvalidArgument(address + ": " + s.message());
  }
  if (reload.contains("restart") && JsonField(reload, "restart") != json(true)) {
    return Status::InvalidArgument(address + ": reload restart must be true");
  }
  return Status::Ok();
}

Status ReloadContainer(const DockerClient& client, const std::string& container,
                       const json& reload, int grace_seconds,
                       const std::string& address) {
  Status s = CheckContainerReload(reload, address);
  if (!s.ok()) return s;
  if (reload.is_null()) {
    return Status::InvalidArgument(address + ": no reload to carry out");
  }
  if (reload.contains("signal")) {
    return client.Call("POST",
                       "/containers/" + container + "/kill?signal=" +
                           UrlEncode(SignalName(reload)),
                       json(), nullptr);
  }
  if (reload.contains("command")) {
    std::vector<std::string> argv;
    ContainerCommand(JsonField(reload, "command"), &argv);
    return ExecIn(client, container, argv, address);
  }
  return client.Call("POST",
                     "/containers/" + container +
                         "/restart?t=" + std::to_string(grace_seconds),
                     json(), nullptr);
}

}  // namespace occam
