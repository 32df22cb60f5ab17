// The ec2 provider against a scripted stand-in of the EC2 Query API, for
// what moto_server cannot show: how many calls a refresh makes, quotas,
// throttling, instances that never run, oversized user data. The real
// API is exercised against moto_server (provider_conformance_test.cc,
// tests/ec2_cli_test.cc).
#include "providers/ec2_provider.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;
using Params = std::multimap<std::string, std::string>;

std::string Decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

Params Form(const std::string& body) {
  Params out;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    std::string pair = body.substr(start, end - start);
    size_t eq = pair.find('=');
    if (eq != std::string::npos) out.emplace(Decode(pair.substr(0, eq)), Decode(pair.substr(eq + 1)));
    start = end + 1;
  }
  return out;
}

std::string Get(const Params& p, const std::string& key) {
  auto it = p.find(key);
  return it == p.end() ? "" : it->second;
}

// The values of the filter named `name`, if any.
std::vector<std::string> FilterValues(const Params& p, const std::string& name) {
  std::vector<std::string> out;
  for (int f = 1; f < 20; ++f) {
    std::string prefix = "Filter." + std::to_string(f) + ".";
    if (Get(p, prefix + "Name") != name) continue;
    for (int v = 1; v < 300; ++v) {
      std::string value = Get(p, prefix + "Value." + std::to_string(v));
      if (value.empty()) break;
      out.push_back(value);
    }
  }
  return out;
}

class FakeEc2 {
 public:
  struct Instance {
    std::string id, state;
  };

  FakeEc2() {
    server_.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      Params p = Form(req.body);
      std::string action = Get(p, "Action");
      ++calls_[action];
      auto error = [&](int status, const std::string& code) {
        res.status = status;
        res.set_content("<Response><Errors><Error><Code>" + code +
                        "</Code><Message>scripted</Message></Error></Errors></Response>",
                        "text/xml");
      };
      if (action == "RunInstances") {
        if (!run_error_.empty()) return error(run_status_, run_error_);
        if (throttle_runs_ > 0) {
          --throttle_runs_;
          return error(503, "RequestLimitExceeded");
        }
        Instance i{"i-" + std::to_string(instances_.size() + 1), "pending"};
        instances_.push_back(i);
        res.set_content("<RunInstancesResponse><instancesSet>" + Item(i) +
                        "</instancesSet></RunInstancesResponse>", "text/xml");
      } else if (action == "DescribeInstances") {
        std::vector<std::string> ids = FilterValues(p, "instance-id");
        std::string items;
        for (Instance& i : instances_) {
          if (!ids.empty() && std::find(ids.begin(), ids.end(), i.id) == ids.end()) continue;
          if (i.state == "pending" && !stay_pending_) i.state = "running";
          items += Item(i);
        }
        res.set_content("<DescribeInstancesResponse><reservationSet><item><instancesSet>" +
                        items + "</instancesSet></item></reservationSet>"
                        "</DescribeInstancesResponse>", "text/xml");
      } else if (action == "TerminateInstances") {
        for (Instance& i : instances_) {
          if (Get(p, "InstanceId.1") == i.id) i.state = "terminated";
        }
        res.set_content("<TerminateInstancesResponse/>", "text/xml");
      } else {
        error(400, "InvalidAction");
      }
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~FakeEc2() {
    server_.stop();
    thread_.join();
  }

  static std::string Item(const Instance& i) {
    return "<item><instanceId>" + i.id + "</instanceId><instanceState><name>" + i.state +
           "</name></instanceState><privateIpAddress>10.0.0.1</privateIpAddress></item>";
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int Calls(const std::string& action) {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_[action];
  }
  void ResetCalls() {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.clear();
  }
  std::string State(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Instance& i : instances_) {
      if (i.id == id) return i.state;
    }
    return "";
  }

  std::mutex mu_;
  std::map<std::string, int> calls_;
  std::vector<Instance> instances_;
  std::string run_error_;
  int run_status_ = 400;
  int throttle_runs_ = 0;
  bool stay_pending_ = false;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

class Ec2ProviderTest : public ::testing::Test {
 protected:
  Ec2ProviderTest() {
    CredentialSources credentials;
    credentials.env = {{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"}};
    Ec2RetryPolicy retry;
    retry.first_delay_s = 0.01;
    retry.attempts = 3;
    provider_ = std::make_unique<Ec2Provider>(ProviderOptions{}, credentials, retry, 0.01);
  }

  ResourceRequest Request(const std::string& address, json extra = json::object()) {
    json resource = {{"endpoint", fake_.url()}, {"regionname", "eu-west-1"},
                     {"image_id", "ami-1"}, {"instance_type", "t3.micro"}};
    resource.update(extra);
    return {address, {{"resource", resource}}, MakeOwnershipTags("L", address), {}};
  }

  FakeEc2 fake_;
  std::unique_ptr<Ec2Provider> provider_;
};

TEST_F(Ec2ProviderTest, ReadingManyIsOneDescribeInstancesPerEndpoint) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ResourceObject o;
    ASSERT_TRUE(provider_->Create(Request("app[" + std::to_string(i) + "]"), &o).ok());
    ids.push_back(o.id);
  }
  ids.push_back("i-404@eu-west-1@" + fake_.url());
  fake_.ResetCalls();
  std::vector<Status> statuses;
  std::vector<ResourceObject> objects;
  provider_->ReadMany(ids, &statuses, &objects);
  EXPECT_EQ(1, fake_.Calls("DescribeInstances"));
  ASSERT_EQ(4u, statuses.size());
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << statuses[i].ToString();
    EXPECT_EQ(ids[i], objects[i].id);
    EXPECT_EQ("10.0.0.1", objects[i].outputs["ip"]);
  }
  EXPECT_TRUE(statuses[3].IsNotFound());
}

TEST_F(Ec2ProviderTest, AQuotaRefusalSaysWhatToDo) {
  fake_.run_error_ = "InstanceLimitExceeded";
  ResourceObject o;
  Status s = provider_->Create(Request("app[0]"), &o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find(
      "RunInstances at " + fake_.url() + " (region eu-west-1) failed: "
      "InstanceLimitExceeded: scripted. The cloud has no room for another instance"))
      << s.message();
  EXPECT_EQ(1, fake_.Calls("RunInstances"));  // not retried
}

TEST_F(Ec2ProviderTest, ThrottlingAndServerErrorsAreRetried) {
  fake_.throttle_runs_ = 2;
  ResourceObject o;
  Status s = provider_->Create(Request("app[0]"), &o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(3, fake_.Calls("RunInstances"));
  EXPECT_EQ("running", o.outputs["state"]);
}

TEST_F(Ec2ProviderTest, AnInstanceThatNeverRunsIsTerminatedAfterTheTimeout) {
  fake_.stay_pending_ = true;
  ResourceObject o;
  Status s = provider_->Create(Request("app[0]", {{"create_timeout", 0.3}}), &o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("instance i-1 is still pending after 0.3 s"))
      << s.message();
  EXPECT_EQ("terminated", fake_.State("i-1"));
}

TEST_F(Ec2ProviderTest, UserDataOverEc2sLimitIsRefusedBeforeAnyCall) {
  ResourceRequest r = Request("app[0]");
  r.config["contextualisation"] = {{"type", "cloudinit"},
                                   {"context_template", std::string(16385, 'x')}};
  ResourceObject o;
  Status s = provider_->Create(r, &o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("16385 bytes; EC2 takes at most 16384"));
  EXPECT_EQ(0, fake_.Calls("RunInstances"));
}

TEST(Ec2Id, CarriesInstanceRegionAndEndpoint) {
  std::string instance, region, endpoint;
  ASSERT_TRUE(ParseEc2Id("i-1@eu-west-1@https://u@ec2.example:8773/services", &instance,
                         &region, &endpoint));
  EXPECT_EQ("i-1", instance);
  EXPECT_EQ("eu-west-1", region);
  EXPECT_EQ("https://u@ec2.example:8773/services", endpoint);
  EXPECT_FALSE(ParseEc2Id("i-1", &instance, &region, &endpoint));
  EXPECT_FALSE(ParseEc2Id("@r@e", &instance, &region, &endpoint));
  EXPECT_EQ("i-1", Ec2Provider(ProviderOptions{}).DisplayId("i-1@r@http://x"));
}

}  // namespace
}  // namespace occam
