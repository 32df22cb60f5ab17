#include "cloud/ec2_client.h"
#include "cloud/ec2_describe_batcher.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

namespace occam {
namespace {

const char kDescribe[] = R"(<?xml version="1.0" encoding="utf-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15">
<reservationSet><item><instancesSet>
<item><instanceId>i-1</instanceId><instanceState><code>16</code><name>running</name></instanceState>
<privateIpAddress>10.0.0.5</privateIpAddress><ipAddress>54.1.2.3</ipAddress>
<dnsName>ec2-54-1-2-3.compute-1.amazonaws.com</dnsName>
<tagSet><item><key>occam.address</key><value>app[0]</value></item></tagSet></item>
<item><instanceId>i-2</instanceId><instanceState><name>pending</name></instanceState></item>
</instancesSet></item></reservationSet><nextToken>page2</nextToken></DescribeInstancesResponse>)";

TEST(Ec2Xml, ReadsInstancesTheirAddressesTagsAndNextToken) {
  std::vector<Ec2Instance> out;
  std::string token;
  ASSERT_TRUE(ParseEc2Instances(kDescribe, &out, &token));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, "i-1");
  EXPECT_EQ(out[0].state, "running");
  EXPECT_EQ(out[0].private_ip, "10.0.0.5");
  EXPECT_EQ(out[0].public_ip, "54.1.2.3");
  EXPECT_EQ(out[0].tags.at("occam.address"), "app[0]");
  EXPECT_EQ(out[1].state, "pending");
  EXPECT_EQ(out[1].public_ip, "");
  EXPECT_EQ(token, "page2");
}

TEST(Ec2Xml, ReadsErrorsAndRefusesWhatIsNotAnAnswer) {
  Ec2Error e;
  ASSERT_TRUE(ParseEc2Error(
      "<Response><Errors><Error><Code>AuthFailure</Code><Message>bad key</Message>"
      "</Error></Errors></Response>", &e));
  EXPECT_EQ(e.code, "AuthFailure");
  EXPECT_EQ(e.message, "bad key");
  std::vector<Ec2Instance> out;
  EXPECT_FALSE(ParseEc2Instances("<html>", &out, nullptr));
  EXPECT_FALSE(ParseEc2Instances("<Other/>", &out, nullptr));
  EXPECT_FALSE(ParseEc2Error("not xml <", &e));
  EXPECT_TRUE(Ec2Retryable({"RequestLimitExceeded", "", 503}));
  EXPECT_TRUE(Ec2Retryable({"", "connection refused", 0}));
  EXPECT_FALSE(Ec2Retryable({"InvalidAMIID.NotFound", "", 400}));
}

// A server that throttles the first two calls, then answers.
class ThrottlingServer {
 public:
  ThrottlingServer() {
    server_.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      authorization_ = req.get_header_value("Authorization");
      host_ = req.get_header_value("Host");
      body_ = req.body;
      if (++calls_ <= throttle_) {
        res.status = 503;
        res.set_content("<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
                        "<Message>Request limit exceeded.</Message></Error></Errors></Response>",
                        "text/xml");
        return;
      }
      res.set_content(kDescribe, "text/xml");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~ThrottlingServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

  httplib::Server server_;
  int port_ = 0;
  int throttle_ = 2;
  std::atomic<int> calls_{0};
  std::string authorization_, host_, body_;
  std::thread thread_;
};

Ec2RetryPolicy Fast() {
  Ec2RetryPolicy p;
  p.first_delay_s = 0.01;
  p.attempts = 4;
  return p;
}

TEST(Ec2Client, RetriesThrottlingAndSignsEveryCall) {
  ThrottlingServer server;
  Ec2Client client(server.url(), "eu-west-1", {"AKX", "SECRET", "", "test"}, Fast());
  std::vector<Ec2Instance> out;
  server.throttle_ = 2;
  // Each page is a call; the second page is the same answer without a token
  // after the first, so stop after one page by answering once.
  std::string xml;
  ASSERT_TRUE(client.Call("DescribeInstances", {{"Filter.1.Name", "tag:a b"}}, &xml).ok());
  EXPECT_EQ(server.calls_, 3);
  EXPECT_EQ(server.authorization_.rfind(
                "AWS4-HMAC-SHA256 Credential=AKX/", 0), 0u);
  EXPECT_NE(server.authorization_.find("/eu-west-1/ec2/aws4_request"), std::string::npos);
  EXPECT_EQ(server.host_, "127.0.0.1:" + std::to_string(server.port_));
  EXPECT_EQ(server.body_,
            "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3Aa%20b");
}

TEST(Ec2Client, GivesUpAfterItsAttemptsWithTheCode) {
  ThrottlingServer server;
  server.throttle_ = 100;
  Ec2Client client(server.url(), "eu-west-1", {"AKX", "SECRET", "", "test"}, Fast());
  std::string xml;
  Ec2Error e;
  Status s = client.Call("DescribeInstances", {}, &xml, &e);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_EQ(server.calls_, 4);
  EXPECT_EQ(e.code, "RequestLimitExceeded");
  EXPECT_NE(s.message().find("RequestLimitExceeded: Request limit exceeded. (tried 4 times)"),
            std::string::npos) << s.message();
}

TEST(Ec2Client, AnEndpointThatDoesNotAnswerIsUnavailable) {
  Ec2RetryPolicy p = Fast();
  p.attempts = 2;
  Ec2Client client("http://127.0.0.1:1/", "r", {"A", "S", "", "t"}, p);
  std::string xml;
  Status s = client.Call("DescribeInstances", {}, &xml);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("cannot reach the EC2 endpoint http://127.0.0.1:1/"),
            std::string::npos) << s.message();
}

// Eight threads waiting for eight instances while each DescribeInstances
// takes 100 ms: the first call carries one id, the next the seven that
// came while it ran. Each thread gets its own instance.
TEST(Ec2DescribeBatcher, ConcurrentCallersShareCalls) {
  httplib::Server server;
  std::atomic<int> calls{0};
  std::atomic<size_t> most_ids{0};
  server.Post("/", [&](const httplib::Request& req, httplib::Response& res) {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::string items;
    size_t ids = 0;
    for (int i = 0; i < 8; ++i) {
      std::string id = "i-" + std::to_string(i);
      if ((req.body + "&").find("=" + id + "&") == std::string::npos) continue;
      ++ids;
      items += "<item><instanceId>" + id +
               "</instanceId><instanceState><name>running</name></instanceState></item>";
    }
    most_ids = std::max(most_ids.load(), ids);
    res.set_content("<DescribeInstancesResponse><reservationSet><item><instancesSet>" +
                    items + "</instancesSet></item></reservationSet></DescribeInstancesResponse>",
                    "text/xml");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread listener([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  Ec2Client client("http://127.0.0.1:" + std::to_string(port), "r", {"A", "S", "", "t"});
  Ec2DescribeBatcher batcher;
  std::vector<std::thread> waiters;
  std::vector<std::string> got(8);
  for (int i = 0; i < 8; ++i) {
    waiters.emplace_back([&, i] {
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      Ec2Instance out;
      bool found = false;
      if (batcher.Describe(client, "i-" + std::to_string(i), &out, &found, nullptr).ok() &&
          found) {
        got[i] = out.id;
      }
    });
  }
  for (std::thread& t : waiters) t.join();
  server.stop();
  listener.join();
  for (int i = 0; i < 8; ++i) EXPECT_EQ("i-" + std::to_string(i), got[i]);
  EXPECT_EQ(2, calls.load());
  EXPECT_EQ(2, batcher.calls());
  EXPECT_EQ(7u, most_ids.load());
}

}  // namespace
}  // namespace occam
