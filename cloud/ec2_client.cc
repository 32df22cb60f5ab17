#include "cloud/ec2_client.h"

#include <curl/curl.h>

#include <chrono>
#include <ctime>
#include <pugixml.hpp>
#include <random>
#include <thread>

#include "cloud/aws_sigv4.h"

namespace occam {
namespace {

constexpr char kApiVersion[] = "2016-11-15";

size_t Append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::string FormEncode(const QueryParams& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += AwsUriEncode(k) + "=" + AwsUriEncode(v);
  }
  return out;
}

// "host[:port]" and the path of an http(s) URL, as curl sends them.
void SplitUrl(const std::string& url, std::string* host, std::string* path) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t slash = url.find('/', start);
  *host = url.substr(start, slash == std::string::npos ? std::string::npos
                                                        : slash - start);
  size_t at = host->rfind('@');
  if (at != std::string::npos) host->erase(0, at + 1);
  *path = slash == std::string::npos ? "/" : url.substr(slash);
  // curl leaves out the scheme's default port.
  bool https = url.rfind("https://", 0) == 0;
  const std::string default_port = https ? ":443" : ":80";
  if (host->size() > default_port.size() &&
      host->compare(host->size() - default_port.size(), default_port.size(),
                    default_port) == 0) {
    host->erase(host->size() - default_port.size());
  }
}

std::string Child(const pugi::xml_node& node, const char* name) {
  return node.child(name).text().as_string();
}

Ec2Instance ReadInstance(const pugi::xml_node& item) {
  Ec2Instance i;
  i.id = Child(item, "instanceId");
  i.state = Child(item.child("instanceState"), "name");
  i.private_ip = Child(item, "privateIpAddress");
  i.public_ip = Child(item, "ipAddress");
  i.public_dns = Child(item, "dnsName");
  i.private_dns = Child(item, "privateDnsName");
  i.image_id = Child(item, "imageId");
  i.instance_type = Child(item, "instanceType");
  i.launch_time = Child(item, "launchTime");
  for (pugi::xml_node tag : item.child("tagSet").children("item")) {
    i.tags[Child(tag, "key")] = Child(tag, "value");
  }
  return i;
}

void Sleep(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

}  // namespace

bool ParseEc2Instances(const std::string& xml, std::vector<Ec2Instance>* out,
                       std::string* next_token) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return false;
  pugi::xml_node root = doc.document_element();
  std::string name = root.name();
  if (name == "RunInstancesResponse") {
    for (pugi::xml_node item : root.child("instancesSet").children("item")) {
      out->push_back(ReadInstance(item));
    }
  } else if (name == "DescribeInstancesResponse") {
    for (pugi::xml_node r : root.child("reservationSet").children("item")) {
      for (pugi::xml_node item : r.child("instancesSet").children("item")) {
        out->push_back(ReadInstance(item));
      }
    }
  } else {
    return false;
  }
  if (next_token) *next_token = Child(root, "nextToken");
  return true;
}

bool ParseEc2Error(const std::string& xml, Ec2Error* out) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return false;
  pugi::xml_node error = doc.document_element().child("Errors").child("Error");
  if (!error) error = doc.document_element().child("Error");  // ErrorResponse
  if (!error) return false;
  out->code = Child(error, "Code");
  out->message = Child(error, "Message");
  return !out->code.empty();
}

bool Ec2Retryable(const Ec2Error& e) {
  if (e.code.empty()) return true;  // the connection failed or was dropped
  return e.code == "RequestLimitExceeded" || e.code == "Throttling" ||
         e.code == "ThrottlingException" || e.code == "InternalError" ||
         e.code == "InternalFailure" || e.code == "ServiceUnavailable" ||
         e.code == "Unavailable" || e.http_status >= 500;
}

Ec2Client::Ec2Client(std::string endpoint, std::string region,
                     AwsCredentials credentials, Ec2RetryPolicy retry)
    : endpoint_(std::move(endpoint)),
      region_(std::move(region)),
      credentials_(std::move(credentials)),
      retry_(retry) {}

Status Ec2Client::Exchange(const std::string& body, std::string* received,
                           long* http_status) const {
  SigV4Request request;
  std::string host;
  SplitUrl(endpoint_, &host, &request.path);
  request.headers["content-type"] =
      "application/x-www-form-urlencoded; charset=utf-8";
  request.headers["host"] = host;
  request.headers["x-amz-date"] = AmzDate(std::time(nullptr));
  if (!credentials_.session_token.empty()) {
    request.headers["x-amz-security-token"] = credentials_.session_token;
  }
  request.body = body;
  SigV4Scope scope{region_, "ec2", request.headers["x-amz-date"]};
  std::string authorization = SigV4Authorization(request, scope, credentials_);

  CURL* c = curl_easy_init();
  if (!c) return Status::Internal("curl_easy_init failed");
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  headers = curl_slist_append(headers, ("Authorization: " + authorization).c_str());
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, endpoint_.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, retry_.timeout_s);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, received);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, http_status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) {
    return Status::Unavailable("cannot reach the EC2 endpoint " + endpoint_ +
                               ": " + curl_easy_strerror(rc));
  }
  return Status::Ok();
}

Status Ec2Client::Call(const std::string& action, const QueryParams& params,
                      std::string* xml, Ec2Error* error) const {
  QueryParams all{{"Action", action}, {"Version", kApiVersion}};
  all.insert(all.end(), params.begin(), params.end());
  const std::string body = FormEncode(all);
  thread_local std::mt19937 random{std::random_device{}()};
  double delay = retry_.first_delay_s;
  Ec2Error e;
  Status s;
  for (int attempt = 1; attempt <= retry_.attempts; ++attempt) {
    xml->clear();
    e = Ec2Error();
    s = Exchange(body, xml, &e.http_status);
    if (s.ok() && e.http_status / 100 == 2) break;
    if (s.ok()) {
      if (!ParseEc2Error(*xml, &e)) {
        e.message = "HTTP " + std::to_string(e.http_status) + ": " +
                    xml->substr(0, 200);
        if (e.http_status < 500) e.code = "HTTP" + std::to_string(e.http_status);
      }
      s = Status::InvalidArgument((e.code.empty() ? "" : e.code + ": ") + e.message);
    } else {
      e.message = s.message();
    }
    if (!Ec2Retryable(e) || attempt == retry_.attempts) break;
    std::uniform_real_distribution<double> jitter(0, delay);
    Sleep(jitter(random));
    delay = std::min(delay * 2, retry_.max_delay_s);
  }
  if (!s.ok() && Ec2Retryable(e)) {
    s = Status::Unavailable(s.message() + " (tried " +
                            std::to_string(retry_.attempts) + " times)");
  }
  if (error) *error = e;
  return s;
}

Status Ec2Client::RunInstance(const QueryParams& params, Ec2Instance* out,
                              Ec2Error* error) const {
  std::string xml;
  QueryParams all{{"MinCount", "1"}, {"MaxCount", "1"}};
  all.insert(all.end(), params.begin(), params.end());
  Status s = Call("RunInstances", all, &xml, error);
  if (!s.ok()) return s;
  std::vector<Ec2Instance> instances;
  if (!ParseEc2Instances(xml, &instances, nullptr) || instances.size() != 1) {
    return Status::Unavailable("RunInstances answered with no instance: " +
                               xml.substr(0, 200));
  }
  *out = instances[0];
  return Status::Ok();
}

Status Ec2Client::DescribeInstances(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& filters,
    std::vector<Ec2Instance>* out, Ec2Error* error) const {
  out->clear();
  QueryParams params;
  for (size_t f = 0; f < filters.size(); ++f) {
    std::string prefix = "Filter." + std::to_string(f + 1) + ".";
    params.push_back({prefix + "Name", filters[f].first});
    for (size_t v = 0; v < filters[f].second.size(); ++v) {
      params.push_back({prefix + "Value." + std::to_string(v + 1),
                        filters[f].second[v]});
    }
  }
  std::string token;
  for (int page = 0; page < 10'000; ++page) {
    QueryParams paged = params;
    if (!token.empty()) paged.push_back({"NextToken", token});
    std::string xml;
    Status s = Call("DescribeInstances", paged, &xml, error);
    if (!s.ok()) return s;
    if (!ParseEc2Instances(xml, out, &token)) {
      return Status::Unavailable("DescribeInstances answered with no instance list: " +
                                 xml.substr(0, 200));
    }
    if (token.empty()) return Status::Ok();
  }
  return Status::Unavailable("DescribeInstances: more than 10,000 pages");
}

Status Ec2Client::TerminateInstances(const std::vector<std::string>& ids,
                                     Ec2Error* error) const {
  QueryParams params;
  for (size_t i = 0; i < ids.size(); ++i) {
    params.push_back({"InstanceId." + std::to_string(i + 1), ids[i]});
  }
  std::string xml;
  return Call("TerminateInstances", params, &xml, error);
}

}  // namespace occam
