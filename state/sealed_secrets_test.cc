#include "state/sealed_secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;

const char kKeyA[] = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
const char kKeyB[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

SecretKey Key(const char* text) {
  SecretKey key;
  Status s = ParseSecretKey(text, "test", &key);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return key;
}

SecretKeyring Ring(std::vector<SecretKey> keys) {
  SecretKeyring ring;
  ring.keys = std::move(keys);
  ring.can_seal = true;
  return ring;
}

TEST(SecretKeyTest, ReadsBase64AndHexAndNamesKeysByAHash) {
  SecretKey a = Key(kKeyA), b = Key(kKeyB), again = Key(kKeyA);
  EXPECT_EQ(16u, a.id.size());
  EXPECT_EQ(a.id, again.id);
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(std::string::npos, std::string(kKeyA).find(a.id));
  EXPECT_EQ(0x00, b.bytes[0]);
  EXPECT_EQ(0xff, b.bytes[31]);
  // White space around it, as a file's last newline, is ignored.
  EXPECT_EQ(a.id, Key((std::string(" ") + kKeyA + "\n").c_str()).id);
}

TEST(SecretKeyTest, RefusesWhatIsNotAKeyWithoutEchoingIt) {
  for (const char* text : {"", "hunter2", "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRW",
                           "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}) {
    SecretKey key;
    Status s = ParseSecretKey(text, "OCCAM_STATE_KEY", &key);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_NE(std::string::npos, s.message().find("OCCAM_STATE_KEY")) << s.message();
    EXPECT_NE(std::string::npos, s.message().find("occam state keygen"));
    if (*text) {
      EXPECT_EQ(std::string::npos, s.message().find(text));
    }
  }
}

TEST(SecretKeyTest, AKeyFileOthersMayReadIsRefused) {
  testing::TempDir dir;
  std::string path = dir.Path("state.key");
  std::ofstream(path) << kKeyA << "\n";
  chmod(path.c_str(), 0644);
  SecretKey key;
  Status s = ReadSecretKeyFile(path, &key);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("chmod 600 " + path)) << s.message();
  chmod(path.c_str(), 0600);
  ASSERT_TRUE(ReadSecretKeyFile(path, &key).ok());
  EXPECT_EQ(Key(kKeyA).id, key.id);
  EXPECT_TRUE(ReadSecretKeyFile(dir.Path("missing.key"), &key).IsNotFound());
}

TEST(SecretKeyTest, NewKeysAreKeysAndDiffer) {
  std::string one = NewSecretKeyText(), two = NewSecretKeyText();
  EXPECT_NE(one, two);
  SecretKey key;
  EXPECT_TRUE(ParseSecretKey(one, "new", &key).ok());
}

const json kValue = {{"resource", {{"attributes", {{"password", "hunter2"},
                                                   {"port", 5432},
                                                   {"keys", {"public-key-one", "private key two"}},
                                                   {"message", "hello"}}}}},
                     {"context_template", {{"a", 1}, {"b", "secret text"}}}};
const json kMirror = {{"resource", {{"attributes", {{"password", true},
                                                    {"keys", {false, true}}}}}},
                      {"context_template", true}};

TEST(SealedSecretsTest, SealsWhatTheMirrorMarksAndOpensItAgain) {
  SecretKey key = Key(kKeyA);
  json value = kValue;
  EXPECT_EQ(3, SealMarked(kMirror, key, &value));
  std::string text = value.dump();
  EXPECT_EQ(std::string::npos, text.find("hunter2"));
  EXPECT_EQ(std::string::npos, text.find("private key two"));
  EXPECT_EQ(std::string::npos, text.find("secret text"));
  EXPECT_NE(std::string::npos, text.find("hello"));  // not marked
  EXPECT_NE(std::string::npos, text.find("public-key-one"));
  EXPECT_TRUE(MayHoldSealed(text));
  EXPECT_EQ(key.id, SealedKeyId(value["resource"]["attributes"]["password"]));
  EXPECT_EQ(0, CountPlainMarked(value, kMirror));
  EXPECT_EQ(3, CountPlainMarked(kValue, kMirror));
  // Sealing again seals nothing more.
  EXPECT_EQ(0, SealMarked(kMirror, key, &value));

  std::set<std::string> missing;
  ASSERT_TRUE(OpenSealed(Ring({key}), &value, &missing).ok());
  EXPECT_TRUE(missing.empty());
  EXPECT_EQ(kValue, value);  // numbers and objects come back as they were
}

TEST(SealedSecretsTest, EachSealingDiffers) {
  SecretKey key = Key(kKeyA);
  json one = kValue, two = kValue;
  SealMarked(kMirror, key, &one);
  SealMarked(kMirror, key, &two);
  EXPECT_NE(one["resource"]["attributes"]["password"],
            two["resource"]["attributes"]["password"]);
}

TEST(SealedSecretsTest, AKeyNotGivenLeavesValuesSealedAndNamesIt) {
  json value = kValue;
  SealMarked(kMirror, Key(kKeyA), &value);
  json sealed = value;
  std::set<std::string> missing;
  ASSERT_TRUE(OpenSealed(Ring({Key(kKeyB)}), &value, &missing).ok());
  EXPECT_EQ(std::set<std::string>{Key(kKeyA).id}, missing);
  EXPECT_EQ(sealed, value);
}

TEST(SealedSecretsTest, AChangedOrMovedSealingDoesNotOpen) {
  SecretKey key = Key(kKeyA);
  json value = kValue;
  SealMarked(kMirror, key, &value);
  std::set<std::string> missing;

  json changed = value;
  std::string& s = changed["resource"]["attributes"]["password"].get_ref<std::string&>();
  s[s.size() - 3] = s[s.size() - 3] == 'A' ? 'B' : 'A';
  Status st = OpenSealed(Ring({key}), &changed, &missing);
  EXPECT_EQ(Status::Code::kCorruption, st.code()) << st.ToString();
  EXPECT_NE(std::string::npos, st.message().find("/resource/attributes/password"));

  json moved = value;
  moved["resource"]["attributes"]["message"] = moved["resource"]["attributes"]["password"];
  st = OpenSealed(Ring({key}), &moved, &missing);
  EXPECT_EQ(Status::Code::kCorruption, st.code()) << st.ToString();
}

TEST(SealedSecretsTest, APlanWithoutTheKeyTakesSealedValuesAsRendered) {
  json stored = kValue;
  SealMarked(kMirror, Key(kKeyA), &stored);
  json rendered = kValue;
  rendered["resource"]["attributes"]["message"] = "changed";
  EXPECT_EQ(3, AssumeSealedUnchanged(rendered, &stored));
  EXPECT_EQ(kValue["resource"]["attributes"]["password"],
            stored["resource"]["attributes"]["password"]);
  EXPECT_EQ("hello", stored["resource"]["attributes"]["message"]);
}

TEST(SealedSecretsTest, AnUnchangedSecretIsSealedOnceForBeforeAndAfter) {
  SecretKey key = Key(kKeyA);
  json after = kValue;
  after["resource"]["attributes"]["password"] = "new-password";
  json sealed_after = after;
  SealMarked(kMirror, key, &sealed_after);
  json before = kValue;
  SealMarkedLike(kMirror, key, after, sealed_after, &before);
  // The template is the same: one sealing; the password changed: two.
  EXPECT_EQ(sealed_after["context_template"], before["context_template"]);
  EXPECT_NE(sealed_after["resource"]["attributes"]["password"],
            before["resource"]["attributes"]["password"]);
  std::set<std::string> missing;
  ASSERT_TRUE(OpenSealed(Ring({key}), &before, &missing).ok());
  EXPECT_EQ(kValue, before);
}

TEST(SealedSecretsTest, SecretVariablesAreMarkedByName) {
  json marks = SecretAssignmentMarks({"db_password=x", "size=3", "api_token=y"});
  EXPECT_EQ(json({true, false, true}), marks);
}

}  // namespace
}  // namespace occam
