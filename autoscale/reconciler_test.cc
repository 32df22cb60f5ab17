#include "autoscale/reconciler.h"

#include <gtest/gtest.h>

#include "descriptor/compiler.h"
#include "planner/planner.h"
#include "providers/dummy_provider.h"
#include "state/memory_state_store.h"
#include "state/state_settings.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

class AlwaysHealthy : public HealthChecker {
 public:
  Status WaitReady(const HealthCheckSpec&, const nlohmann::json&, const std::atomic<bool>*,
                   const std::function<Status()>&) override {
    return Status::Ok();
  }
};

class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest() : store_("lineage-1", "infra-1"), providers_({}) {
    providers_.Set("dummy", std::make_unique<DummyProvider>());
    CompileOptions options;
    options.infra_path = dir_.Write(
        "infra.yaml", "user_id: u\ninfra_name: r\nnodes: [{name: app, type: app}]\n");
    dir_.Write("nodes/node_definitions.yaml", "'node_def:app': [{resource: {type: dummy}}]\n");
    Diagnostics diags;
    EXPECT_TRUE(CompileDescriptor(options, &descriptor_, &graph_, &diags)) << diags.ToString();
  }
  ReconcileOutcome Round() {
    ReconcileOptions options;
    options.state_name = "memory";
    options.descriptor_digest = DescriptorDigest(descriptor_);
    ReconcileOutcome outcome;
    EXPECT_TRUE(Reconcile(descriptor_, graph_, &store_, &providers_, &health_, options,
                          &outcome)
                    .ok());
    return outcome;
  }
  size_t Instances() {
    StateSnapshot s;
    store_.Load(&s);
    return s.instances.size();
  }

  testing::TempDir dir_;
  MemoryStateStore store_;
  ProviderRegistry providers_;
  AlwaysHealthy health_;
  Descriptor descriptor_;
  NodeGraph graph_;
};

TEST_F(ReconcilerTest, ARoundBuildsWhatIsMissing) {
  ReconcileOutcome outcome = Round();
  EXPECT_EQ("", outcome.skipped);
  EXPECT_TRUE(outcome.applied);
  EXPECT_EQ(1u, Instances());
}

// The daemon looks at the state before a round; an occam destroy may
// finish between that look and the round's lock. The round checks again
// under the lock and builds nothing (removing that check failed no test).
TEST_F(ReconcilerTest, ADestroyedStateIsLeftAloneUnderTheLock) {
  StateChange destroyed;
  destroyed.set_settings[kLifecycleSetting] = "destroyed";
  int64_t serial = 0;
  ASSERT_TRUE(store_.Commit(destroyed, &serial).ok());
  ReconcileOutcome outcome = Round();
  EXPECT_EQ("destroyed", outcome.skipped);
  EXPECT_FALSE(outcome.applied);
  EXPECT_EQ(0u, Instances());
}

TEST_F(ReconcilerTest, AnotherAppliedConfigurationIsLeftAlone) {
  StateChange other;
  other.set_settings[kAppliedDigestSetting] = "another-digest";
  int64_t serial = 0;
  ASSERT_TRUE(store_.Commit(other, &serial).ok());
  EXPECT_EQ("other_configuration", Round().skipped);
  EXPECT_EQ(0u, Instances());
}

}  // namespace
}  // namespace occam
