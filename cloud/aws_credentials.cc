#include "cloud/aws_credentials.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace occam {
namespace {

bool Exists(const std::string& path) {
  std::ifstream in(path);
  return !path.empty() && in.good();
}

std::string Home() {
  const char* home = std::getenv("HOME");
  return home ? home : "";
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Whether every key of `filter` other than auth_data has the resource's
// value (Occopus's is_subdict).
bool Matches(const YAML::Node& filter, const ResourceFields& resource) {
  for (const auto& kv : filter) {
    std::string key = kv.first.as<std::string>("");
    if (key == "auth_data") continue;
    if (!kv.second.IsScalar()) return false;
    auto it = resource.find(key);
    if (it == resource.end() || it->second != kv.second.Scalar()) return false;
  }
  return true;
}

// NotFound when `path` has no entry for the resource.
Status FromAuthData(const std::string& path, const ResourceFields& resource,
                    AwsCredentials* out) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) +
                                   ": not YAML: " + e.msg);
  }
  YAML::Node entries = root.IsMap() ? root["resource"] : YAML::Node();
  if (!entries || !entries.IsSequence()) {
    return Status::NotFound(path + " has no 'resource:' list");
  }
  std::vector<YAML::Node> found;
  for (const YAML::Node& entry : entries) {
    if (entry.IsMap() && Matches(entry, resource)) found.push_back(entry);
  }
  if (found.empty()) {
    return Status::NotFound(path + " has no entry matching type '" +
                            resource.at("type") + "' and endpoint '" +
                            resource.at("endpoint") + "'");
  }
  auto line = [&](const YAML::Node& n) {
    return path + ":" + std::to_string(n.Mark().line + 1);
  };
  if (found.size() > 1) {
    return Status::InvalidArgument(
        line(found[1]) + ": a second entry matches this resource (the first is at " +
        line(found[0]) + "); Occopus refuses that too: add a filter (endpoint, "
        "regionname or name) that tells them apart");
  }
  YAML::Node auth = found[0]["auth_data"];
  if (!auth || !auth.IsMap() || !auth["accesskey"] || !auth["secretkey"]) {
    return Status::InvalidArgument(
        line(found[0]) + ": the entry needs auth_data: {accesskey: …, secretkey: …}");
  }
  out->access_key = auth["accesskey"].as<std::string>("");
  out->secret_key = auth["secretkey"].as<std::string>("");
  out->session_token = auth["sessiontoken"] ? auth["sessiontoken"].as<std::string>("") : "";
  out->source = line(found[0]);
  return Status::Ok();
}

// The profile's keys from an AWS shared credentials file (INI).
Status FromSharedFile(const std::string& path, const std::string& profile,
                      AwsCredentials* out) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + " does not exist");
  std::string line, section;
  std::map<std::string, std::string> keys;
  int number = 0, section_line = 0;
  while (std::getline(in, line)) {
    ++number;
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = Trim(line.substr(1, line.size() - 2));
      if (section == profile) section_line = number;
      continue;
    }
    size_t eq = line.find('=');
    if (section == profile && eq != std::string::npos) {
      keys[Trim(line.substr(0, eq))] = Trim(line.substr(eq + 1));
    }
  }
  if (!keys.count("aws_access_key_id") || !keys.count("aws_secret_access_key")) {
    return Status::NotFound(path + " has no profile [" + profile +
                            "] with aws_access_key_id and aws_secret_access_key");
  }
  out->access_key = keys["aws_access_key_id"];
  out->secret_key = keys["aws_secret_access_key"];
  out->session_token = keys.count("aws_session_token") ? keys["aws_session_token"] : "";
  out->source = path + ":" + std::to_string(section_line) + " [" + profile + "]";
  return Status::Ok();
}

std::string Env(const CredentialSources& s, const std::string& name) {
  auto it = s.env.find(name);
  return it == s.env.end() ? "" : it->second;
}

}  // namespace

CredentialSources DefaultCredentialSources() {
  CredentialSources s;
  if (const char* p = std::getenv("OCCOPUS_AUTH_DATA_PATH")) {
    s.auth_data_files.push_back(p);
  }
  std::string home = Home();
  if (!home.empty()) s.auth_data_files.push_back(home + "/.occopus/auth_data.yaml");
  s.auth_data_files.push_back("auth_data.yaml");
  s.auth_data_files.push_back("/etc/occopus/auth_data.yaml");
  for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                           "AWS_SESSION_TOKEN", "AWS_PROFILE",
                           "AWS_SHARED_CREDENTIALS_FILE"}) {
    if (const char* v = std::getenv(name)) s.env[name] = v;
  }
  s.aws_credentials_file = Env(s, "AWS_SHARED_CREDENTIALS_FILE");
  if (s.aws_credentials_file.empty() && !home.empty()) {
    s.aws_credentials_file = home + "/.aws/credentials";
  }
  return s;
}

Status FindAwsCredentials(const CredentialSources& sources,
                          const ResourceFields& resource, AwsCredentials* out) {
  std::vector<std::string> looked;
  std::string files;
  for (const std::string& path : sources.auth_data_files) {
    files += (files.empty() ? "" : ", ") + path;
  }
  if (!files.empty()) looked.push_back("no auth_data.yaml (looked at " + files + ")");
  for (const std::string& path : sources.auth_data_files) {
    if (!Exists(path)) continue;
    looked.clear();
    Status s = FromAuthData(path, resource, out);
    if (s.ok() || !s.IsNotFound()) return s;
    looked.push_back(s.message());
    break;  // Occopus reads the first file it finds, and only that one
  }
  if (!Env(sources, "AWS_ACCESS_KEY_ID").empty()) {
    if (Env(sources, "AWS_SECRET_ACCESS_KEY").empty()) {
      return Status::InvalidArgument(
          "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both");
    }
    out->access_key = Env(sources, "AWS_ACCESS_KEY_ID");
    out->secret_key = Env(sources, "AWS_SECRET_ACCESS_KEY");
    out->session_token = Env(sources, "AWS_SESSION_TOKEN");
    out->source = "AWS_ACCESS_KEY_ID";
    return Status::Ok();
  }
  looked.push_back("AWS_ACCESS_KEY_ID is not set");
  std::string profile = Env(sources, "AWS_PROFILE");
  if (profile.empty()) profile = "default";
  if (!sources.aws_credentials_file.empty()) {
    Status s = FromSharedFile(sources.aws_credentials_file, profile, out);
    if (s.ok()) return s;
    looked.push_back(s.message());
  }
  std::string message = "no credentials for " + resource.at("type") +
                        " endpoint '" + resource.at("endpoint") + "': ";
  for (size_t i = 0; i < looked.size(); ++i) {
    message += (i ? "; " : "") + looked[i];
  }
  return Status::NotFound(
      message + ". Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, add the "
      "profile to ~/.aws/credentials, or add an entry to Occopus's "
      "auth_data.yaml (docs/providers.md, \"ec2\")");
}

}  // namespace occam
