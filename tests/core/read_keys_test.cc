#include "murr/core/read_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace murr {
namespace {

using K = KeyToken::Kind;

// The keys' bytes as integers (for an integer key type) after conversion.
std::vector<uint64_t> AsIntegers(const ReadKeys& keys, DataType type) {
  std::vector<std::string_view> bytes;
  std::vector<uint64_t> ints;
  Status st = keys.ToKeyBytes(type, "t", &bytes, &ints);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::vector<uint64_t> out;
  for (std::string_view b : bytes) {
    EXPECT_EQ(b.size(), 8u);
    uint64_t v = 0;
    std::memcpy(&v, b.data(), 8);
    out.push_back(v);
  }
  return out;
}

std::string Error(const ReadKeys& keys, DataType type) {
  std::vector<std::string_view> bytes;
  std::vector<uint64_t> ints;
  Status st = keys.ToKeyBytes(type, "t", &bytes, &ints);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  return st.message();
}

TEST(ReadKeysTest, StringsForAUtf8KeyAreTheStrings) {
  std::vector<std::string_view> s = {"a", "", "b"};
  std::vector<std::string_view> bytes;
  std::vector<uint64_t> ints;
  ASSERT_TRUE(ReadKeys::Strings(s).ToKeyBytes(DataType::kUtf8, "t", &bytes, &ints).ok());
  ASSERT_EQ(bytes.size(), 3u);
  EXPECT_EQ(bytes[0].data(), s[0].data());  // views, not copies
  EXPECT_EQ(bytes[2], "b");
  EXPECT_TRUE(ints.empty());
}

TEST(ReadKeysTest, SameTypedIntegersAreViewsOfTheCallersArray) {
  std::vector<int64_t> v = {5, -1, INT64_MIN};
  std::vector<std::string_view> bytes;
  std::vector<uint64_t> ints;
  ASSERT_TRUE(ReadKeys::Integers(v.data(), v.size(), true)
                  .ToKeyBytes(DataType::kInt64, "t", &bytes, &ints)
                  .ok());
  ASSERT_EQ(bytes.size(), 3u);
  EXPECT_EQ(bytes[1].data(), reinterpret_cast<const char*>(&v[1]));
  EXPECT_TRUE(ints.empty());
  // Little-endian bytes of 5.
  EXPECT_EQ(bytes[0], std::string_view("\x05\0\0\0\0\0\0\0", 8));
}

TEST(ReadKeysTest, IntegersOfTheOtherSignednessConvertInTheCommonRange) {
  std::vector<uint64_t> u = {0, 7, uint64_t{INT64_MAX}};
  EXPECT_THAT(AsIntegers(ReadKeys::Integers(u.data(), u.size(), false), DataType::kInt64),
              ::testing::ElementsAre(0u, 7u, uint64_t{INT64_MAX}));
  std::vector<uint64_t> big = {1, uint64_t{INT64_MAX} + 1};
  EXPECT_EQ(Error(ReadKeys::Integers(big.data(), big.size(), false), DataType::kInt64),
            "keys[1] = 9223372036854775808 is out of the int64 range (table 't' has int64 keys)");
  std::vector<int64_t> neg = {-3};
  EXPECT_EQ(Error(ReadKeys::Integers(neg.data(), neg.size(), true), DataType::kUInt64),
            "keys[0] = -3 is out of the uint64 range (table 't' has uint64 keys)");
  EXPECT_EQ(Error(ReadKeys::Integers(neg.data(), neg.size(), true), DataType::kUtf8),
            "keys must be strings, got integers (table 't' has utf8 keys)");
}

TEST(ReadKeysTest, JsonTokensForAnIntegerKey) {
  std::vector<KeyToken> t = {{K::kInt64, 42, "42"},
                             {K::kInt64, static_cast<uint64_t>(-7), "-7"},
                             {K::kString, 0, "123"},
                             {K::kString, 0, "-9223372036854775808"}};
  EXPECT_THAT(AsIntegers(ReadKeys::Tokens(t), DataType::kInt64),
              ::testing::ElementsAre(42u, static_cast<uint64_t>(-7), 123u,
                                     static_cast<uint64_t>(INT64_MIN)));
  std::vector<KeyToken> u = {{K::kUInt64, 18446744073709551615u, "18446744073709551615"},
                             {K::kString, 0, "18446744073709551615"},
                             {K::kString, 0, "0"}};
  EXPECT_THAT(AsIntegers(ReadKeys::Tokens(u), DataType::kUInt64),
              ::testing::ElementsAre(18446744073709551615u, 18446744073709551615u, 0u));
}

TEST(ReadKeysTest, JsonTokenErrorsWordForWord) {
  auto one = [](KeyToken t, DataType type) {
    std::vector<KeyToken> v = {{K::kInt64, 1, "1"}, t};
    return Error(ReadKeys::Tokens(v), type);
  };
  EXPECT_EQ(one({K::kFloat, 0, "1.5"}, DataType::kInt64),
            "keys[1] must be an integer, got the number 1.5 (table 't' has int64 keys)");
  EXPECT_EQ(one({K::kBigInteger, 0, "18446744073709551616"}, DataType::kUInt64),
            "keys[1] = 18446744073709551616 is out of the uint64 range (table 't' has uint64 "
            "keys)");
  EXPECT_EQ(one({K::kUInt64, 9223372036854775808u, "9223372036854775808"}, DataType::kInt64),
            "keys[1] = 9223372036854775808 is out of the int64 range (table 't' has int64 keys)");
  EXPECT_EQ(one({K::kInt64, static_cast<uint64_t>(-1), "-1"}, DataType::kUInt64),
            "keys[1] = -1 is out of the uint64 range (table 't' has uint64 keys)");
  EXPECT_EQ(one({K::kString, 0, "abc"}, DataType::kInt64),
            "keys[1] must be an integer or a decimal integer string, got the string \"abc\" "
            "(table 't' has int64 keys)");
  for (const char* s : {"", "-", "01", "+1", " 1", "1 ", "1.0", "-0", "0x10"}) {
    EXPECT_THAT(one({K::kString, 0, s}, DataType::kInt64),
                ::testing::HasSubstr("must be an integer or a decimal integer string"))
        << s;
  }
  EXPECT_EQ(one({K::kString, 0, "9223372036854775808"}, DataType::kInt64),
            "keys[1] = \"9223372036854775808\" is out of the int64 range (table 't' has int64 "
            "keys)");
  EXPECT_EQ(one({K::kString, 0, "-1"}, DataType::kUInt64),
            "keys[1] = \"-1\" is out of the uint64 range (table 't' has uint64 keys)");
  // Integers are not strings for a utf8 key.
  std::vector<KeyToken> v = {{K::kString, 0, "a"}, {K::kInt64, 5, "5"}};
  EXPECT_EQ(Error(ReadKeys::Tokens(v), DataType::kUtf8),
            "keys[1] must be a string, got the integer 5 (table 't' has utf8 keys)");
  std::vector<KeyToken> f = {{K::kFloat, 0, "2.5"}};
  EXPECT_EQ(Error(ReadKeys::Tokens(f), DataType::kUtf8),
            "keys[0] must be a string, got the number 2.5 (table 't' has utf8 keys)");
}

}  // namespace
}  // namespace murr
