#include "murr/codec/fetch_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

namespace murr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr size_t kMaxKeys = 1000;

FetchRequest MustParse(std::string_view json, size_t max_keys = kMaxKeys) {
  auto r = FetchRequest::Parse(json, max_keys);
  EXPECT_TRUE(r.ok()) << r.status().ToString() << "\njson: " << json;
  return std::move(r).value();
}

std::string ParseError(std::string_view json, size_t max_keys = kMaxKeys) {
  auto r = FetchRequest::Parse(json, max_keys);
  EXPECT_FALSE(r.ok()) << "parsed but should not: " << json;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  return r.status().message();
}

// The keys' texts: a string's value, a number's literal.
std::vector<std::string> Keys(const FetchRequest& req) {
  std::vector<std::string> out;
  for (const KeyToken& k : req.keys()) out.emplace_back(k.text);
  return out;
}

TEST(FetchRequestTest, ParsesKeysColumnsAndTable) {
  FetchRequest req =
      MustParse(R"({"keys": ["a", "b", "a", ""], "columns": ["score", "id"], "table": "docs"})");
  EXPECT_THAT(Keys(req), ElementsAre("a", "b", "a", ""));
  EXPECT_THAT(req.columns(), ElementsAre("score", "id"));
  EXPECT_EQ(req.table(), "docs");
}

TEST(FetchRequestTest, FieldsInAnyOrderAndTableOptional) {
  FetchRequest req = MustParse(R"({"columns": ["x"], "keys": ["k1"]})");
  EXPECT_EQ(req.table(), "");
  EXPECT_THAT(Keys(req), ElementsAre("k1"));
  EXPECT_THAT(req.columns(), ElementsAre("x"));
}

TEST(FetchRequestTest, EmptyKeyListIsAllowed) {
  FetchRequest req = MustParse(R"({"keys": [], "columns": ["x"]})");
  EXPECT_TRUE(req.keys().empty());
}

TEST(FetchRequestTest, UnescapesKeysAndNames) {
  FetchRequest req = MustParse(
      R"({"keys": ["caf\u00e9", "\ud83d\ude00", "tab\there", "q\"uote", "nul\u0000byte"],)"
      R"( "columns": ["s\u0063ore"], "table": "t\u0031"})");
  EXPECT_THAT(Keys(req), ElementsAre("caf\xC3\xA9", "\xF0\x9F\x98\x80", "tab\there", "q\"uote",
                                     std::string("nul\0byte", 8)));
  EXPECT_THAT(req.columns(), ElementsAre("score"));
  EXPECT_EQ(req.table(), "t1");
}

TEST(FetchRequestTest, KeyViewsSurviveMovesAndTheInputGoingAway) {
  std::vector<FetchRequest> requests;
  for (int i = 0; i < 20; ++i) {
    std::string json =
        "{\"keys\": [\"key-" + std::to_string(i) + "\", \"x\\ny\"], \"columns\": [\"c\"]}";
    auto r = FetchRequest::Parse(json, kMaxKeys);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    requests.push_back(std::move(r).value());  // the vector reallocates and moves them
    json.assign(json.size(), '#');             // scribble over the input
  }
  for (int i = 0; i < 20; ++i) {
    EXPECT_THAT(Keys(requests[i]), ElementsAre("key-" + std::to_string(i), "x\ny"));
  }
  FetchRequest moved = std::move(requests[7]);
  EXPECT_THAT(Keys(moved), ElementsAre("key-7", "x\ny"));
  moved = std::move(requests[3]);
  EXPECT_THAT(Keys(moved), ElementsAre("key-3", "x\ny"));
}

TEST(FetchRequestTest, KeyLimit) {
  std::string json = R"({"columns": ["c"], "keys": [)";
  for (int i = 0; i < 5; ++i) json += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
  json += "]}";
  EXPECT_EQ(MustParse(json, 5).keys().size(), 5u);
  EXPECT_EQ(ParseError(json, 4), "too many keys: the request has 5, the limit is 4 per request");
  EXPECT_EQ(ParseError(R"({"keys": ["a"], "columns": ["c"]})", 0),
            "too many keys: the request has 1, the limit is 0 per request");
}

TEST(FetchRequestTest, ShapeErrors) {
  EXPECT_THAT(ParseError(R"(["a"])"), HasSubstr("fetch request must be a JSON object, got array"));
  EXPECT_THAT(ParseError(R"(42)"), HasSubstr("fetch request must be a JSON object, got number"));
  // Not JSON at all: on-demand's type() peeks at one character, so these once passed for null,
  // bool and number ("must be a JSON object, got null").
  for (const char* text : {"nope", "tru", "-x", "nullx"}) {
    EXPECT_THAT(ParseError(text), HasSubstr("fetch request is not valid JSON")) << text;
  }
  EXPECT_THAT(ParseError(R"({"keys": nope, "columns": ["c"]})"),
              HasSubstr("fetch request is not valid JSON"));
  EXPECT_THAT(ParseError(R"({"keys": [nah], "columns": ["c"]})"),
              HasSubstr("fetch request is not valid JSON"));
  EXPECT_EQ(ParseError(R"({"keys": [null], "columns": ["c"]})"),
            "keys[0] must be a string or an integer, got null");
  EXPECT_THAT(ParseError(R"({"columns": ["c"]})"), HasSubstr("fetch request has no 'keys' field"));
  EXPECT_THAT(ParseError(R"({"keys": ["a"]})"), HasSubstr("fetch request has no 'columns' field"));
  EXPECT_EQ(ParseError(R"({"keys": ["a"], "columns": []})"),
            "'columns' must name at least one column");
  EXPECT_EQ(ParseError(R"({"keys": "a", "columns": ["c"]})"),
            "'keys' must be an array of strings or integers, got string");
  EXPECT_EQ(ParseError(R"({"keys": ["a"], "columns": {"c": 1}})"),
            "'columns' must be an array of strings, got object");
  EXPECT_EQ(ParseError(R"({"keys": ["a"], "columns": ["c"], "limit": 3})"),
            "unknown field 'limit' in fetch request (expected keys, columns, table)");
  EXPECT_EQ(ParseError(R"({"keys": ["a"], "keys": ["b"], "columns": ["c"]})"),
            "field 'keys' appears twice in fetch request");
  EXPECT_EQ(ParseError(R"({"keys": ["a"], "columns": ["c"], "table": "t", "table": "u"})"),
            "field 'table' appears twice in fetch request");
}

TEST(FetchRequestTest, ElementErrorsNameTheIndex) {
  EXPECT_EQ(ParseError(R"({"keys": ["a", "b", "c", true], "columns": ["c"]})"),
            "keys[3] must be a string or an integer, got bool");
  EXPECT_EQ(ParseError(R"({"keys": [null], "columns": ["c"]})"),
            "keys[0] must be a string or an integer, got null");
  EXPECT_EQ(ParseError(R"({"keys": [["a"]], "columns": ["c"]})"),
            "keys[0] must be a string or an integer, got array");
  EXPECT_EQ(ParseError(R"({"keys": ["a"], "columns": ["c", true]})"),
            "columns[1] must be a string, got bool");
  EXPECT_EQ(ParseError(R"({"keys": ["a"], "columns": ["c", "d", "c"]})"),
            "column 'c' is requested twice");
  EXPECT_EQ(ParseError(R"({"keys": ["a"], "columns": ["c"], "table": 5})"),
            "'table' must be a string, got number");
  EXPECT_EQ(ParseError(R"({"keys": ["a"], "columns": ["c"], "table": ""})"),
            "'table' must not be empty");
}

// Numbers are kept as tokens: the table decides later whether they are keys (ReadKeys).
TEST(FetchRequestTest, NumberKeysKeepTheirKindValueAndText) {
  FetchRequest req = MustParse(
      R"({"keys": [0, -1, 9223372036854775807, 9223372036854775808, 18446744073709551615,)"
      R"( 18446744073709551616, -9223372036854775808, -9223372036854775809, 1.5, 2e3, "7" ],)"
      R"( "columns": ["x"]})");
  using K = KeyToken::Kind;
  const std::vector<K> kinds = {K::kInt64,  K::kInt64,      K::kInt64, K::kUInt64,
                                K::kUInt64, K::kBigInteger, K::kInt64, K::kBigInteger,
                                K::kFloat,  K::kFloat,      K::kString};
  ASSERT_EQ(req.keys().size(), kinds.size());
  for (size_t i = 0; i < kinds.size(); ++i) EXPECT_EQ(req.keys()[i].kind, kinds[i]) << i;
  EXPECT_EQ(req.keys()[0].bits, 0u);
  EXPECT_EQ(static_cast<int64_t>(req.keys()[1].bits), -1);
  EXPECT_EQ(req.keys()[2].bits, 9223372036854775807u);
  EXPECT_EQ(req.keys()[3].bits, 9223372036854775808u);
  EXPECT_EQ(req.keys()[4].bits, 18446744073709551615u);
  EXPECT_EQ(static_cast<int64_t>(req.keys()[6].bits), INT64_MIN);
  EXPECT_THAT(Keys(req),
              ElementsAre("0", "-1", "9223372036854775807", "9223372036854775808",
                          "18446744073709551615", "18446744073709551616", "-9223372036854775808",
                          "-9223372036854775809", "1.5", "2e3", "7"));
  EXPECT_EQ(ParseError(R"({"keys": [01], "columns": ["c"]})"), "keys[0]: invalid number '01'");
}

TEST(FetchRequestTest, MalformedJson) {
  EXPECT_THAT(ParseError(""), HasSubstr("fetch request is not valid JSON"));
  EXPECT_THAT(ParseError(R"({"keys": ["a"], "columns": ["c"])"),
              HasSubstr("fetch request is not valid JSON"));
  EXPECT_THAT(ParseError(R"({"keys": ["a", "columns": ["c"]})"), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(R"({"keys": ["a"], "columns": ["c"]} {})"),
              HasSubstr("unexpected content after the top-level object"));
  EXPECT_THAT(ParseError(R"({"keys": ["a"], "columns": ["c"]} [])"),
              HasSubstr("fetch request is not valid JSON"));
  EXPECT_THAT(ParseError(R"({"keys": ["\ud800"], "columns": ["c"]})"),
              HasSubstr("keys[0]: invalid JSON string"));
  EXPECT_THAT(ParseError("{\"keys\": [\"\xC3\"], \"columns\": [\"c\"]}"),
              HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(R"({"keys": ["a",], "columns": ["c"]})"), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(R"({keys: ["a"], "columns": ["c"]})"), HasSubstr("not valid JSON"));
}

TEST(FetchRequestTest, TooManyColumnsIsRefusedEarly) {
  std::string json = R"({"keys": [], "columns": [)";
  for (int i = 0; i < 5000; ++i) json += (i ? ",\"c" : "\"c") + std::to_string(i) + "\"";
  json += "]}";
  EXPECT_EQ(ParseError(json),
            "too many columns: the request has 5000, the limit is 4096 per request");
}

// Parsing reuses a thread's storage (parser, padded input, key and column vectors) once the
// request that held it is gone; a live request keeps its own.
TEST(FetchRequestTest, StorageIsReusedOnlyAfterTheRequestHoldingItIsGone) {
  std::optional<FetchRequest> first(MustParse(R"({"keys": ["alpha", "beta"], "columns": ["c"]})"));
  const KeyToken* first_keys = first->keys().data();
  // While `first` lives, a second request gets storage of its own.
  FetchRequest second = MustParse(R"({"keys": ["gamma"], "columns": ["d", "e"]})");
  EXPECT_NE(second.keys().data(), first_keys);
  EXPECT_THAT(Keys(*first), ElementsAre("alpha", "beta"));
  EXPECT_THAT(first->columns(), ElementsAre("c"));
  EXPECT_THAT(Keys(second), ElementsAre("gamma"));
  first.reset();
  // The next request takes the storage `first` gave back: same key vector, nothing left over.
  FetchRequest third = MustParse(R"({"keys": ["delta", "epsilon"], "columns": ["f"]})");
  EXPECT_EQ(third.keys().data(), first_keys);
  EXPECT_THAT(Keys(third), ElementsAre("delta", "epsilon"));
  EXPECT_THAT(third.columns(), ElementsAre("f"));
  EXPECT_THAT(Keys(second), ElementsAre("gamma"));
}

TEST(FetchRequestTest, ReusedStorageAfterLargeAndFailedRequests) {
  // A request far larger than the next ones, then an error, then a small one: each reads only
  // its own bytes (a shorter body must not see the previous body's tail).
  std::string big = R"({"columns": ["c"], "keys": [)";
  for (int i = 0; i < 20000; ++i) big += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
  big += "]}";
  EXPECT_EQ(MustParse(big, 20000).keys().size(), 20000u);
  EXPECT_THAT(ParseError(R"({"keys": ["a"], "columns": ["c"]} {})"),
              HasSubstr("unexpected content after the top-level object"));
  EXPECT_THAT(ParseError(R"({"keys": ["a"])"), HasSubstr("not valid JSON"));
  FetchRequest small = MustParse(R"({"keys": [7], "columns": ["c"]})");
  ASSERT_EQ(small.keys().size(), 1u);
  EXPECT_EQ(small.keys()[0].kind, KeyToken::Kind::kInt64);
  EXPECT_EQ(small.keys()[0].bits, 7u);
  EXPECT_THAT(small.columns(), ElementsAre("c"));
}

TEST(FetchRequestTest, RepeatedColumnIsFoundAmongFewAndManyColumns) {
  EXPECT_EQ(ParseError(R"({"keys": [], "columns": ["a", "b", "a"]})"),
            "column 'a' is requested twice");
  // Past the first 16 names the check switches from a scan to a set; both halves are covered.
  auto columns = [](int n, int repeat_of) {
    std::string json = R"({"keys": [], "columns": [)";
    for (int i = 0; i < n; ++i) json += (i ? ",\"c" : "\"c") + std::to_string(i) + "\"";
    if (repeat_of >= 0) json += ",\"c" + std::to_string(repeat_of) + "\"";
    return json + "]}";
  };
  EXPECT_EQ(MustParse(columns(40, -1)).columns().size(), 40u);
  EXPECT_EQ(ParseError(columns(40, 3)), "column 'c3' is requested twice");
  EXPECT_EQ(ParseError(columns(40, 39)), "column 'c39' is requested twice");
  EXPECT_EQ(ParseError(columns(16, 0)), "column 'c0' is requested twice");
  EXPECT_EQ(ParseError(columns(17, 16)), "column 'c16' is requested twice");
}

// A fetch request whose keys array is `array`, read as is (the text scan when it can) and with a
// leading escaped key ("\u0061" is "a"), which sends the whole request to simdjson's full
// reader: both must accept the same requests with the same keys, and refuse the others with the
// same message (the full reader's key indexes count the extra key).
void ExpectBothReadersAgree(const std::string& array) {
  auto describe = [](const KeyToken& k) {
    return std::to_string(static_cast<int>(k.kind)) + ":" + std::to_string(k.bits) + ":" +
           std::string(k.text);
  };
  const std::string fast = R"({"columns": ["c"], "keys": )" + array + "}";
  std::string full = fast;
  const size_t open = full.find('[', full.find("\"keys\""));
  if (open == std::string::npos) return;
  full.insert(open + 1, R"("\u0061", )");
  auto a = FetchRequest::Parse(fast, kMaxKeys);
  if (a.ok() && a->keys().empty()) {
    // An empty array takes the extra key without a comma.
    full.erase(full.find(R"("\u0061", )") + 8, 2);
  }
  auto b = FetchRequest::Parse(full, kMaxKeys);
  ASSERT_EQ(a.ok(), b.ok()) << fast << "\n" << (a.ok() ? b : a).status().ToString();
  if (!a.ok()) {
    // Both texts went to the full reader; malformed JSON may be worded by where simdjson
    // stopped, which the extra key moves. Every other message must be the same.
    constexpr std::string_view kMalformed = "fetch request is not valid JSON";
    if (a.status().message().starts_with(kMalformed) &&
        b.status().message().starts_with(kMalformed)) {
      return;
    }
    std::string expected = b.status().message();
    const size_t at = expected.find("keys[");
    if (at != std::string::npos) {
      const size_t digits = at + 5, close = expected.find(']', digits);
      const int index = std::stoi(expected.substr(digits, close - digits));
      expected.replace(digits, close - digits, std::to_string(index - 1));
    }
    EXPECT_EQ(a.status().message(), expected) << fast;
    return;
  }
  ASSERT_EQ(a->keys().size() + 1, b->keys().size()) << fast;
  EXPECT_EQ(b->keys()[0].text, "a");
  for (size_t i = 0; i < a->keys().size(); ++i) {
    EXPECT_EQ(describe(a->keys()[i]), describe(b->keys()[i + 1])) << fast << " key " << i;
  }
}

// The usual keys array (plain strings, short integers) is read straight from the text; anything
// else goes through simdjson's full reader. Every element shape both ways.
TEST(FetchRequestTest, KeysReadFromTheTextMatchTheFullReader) {
  const std::vector<std::string> elements = {
      R"("plain")",
      R"("")",
      R"("with space")",
      "\"caf\xC3\xA9\"",
      R"("tab\there")",
      R"("q\"uote")",
      "0",
      "7",
      "-0",
      "12345678",
      "1234567890123456789",
      "9223372036854775807",
      "9223372036854775808",
      "18446744073709551615",
      "18446744073709551616",
      "-9223372036854775808",
      "-9223372036854775809",
      "1.5",
      "-1e3",
      "1E+2",
      "00",
      "-",
      "01",
      "\"a\" ",
      " \"b\"",
      "\n\t\"c\"\r",
      "true",
      "null",
      "[1]",
      R"({"x":1})",
      R"("a-key-that-is-longer-than-sixteen-bytes-and-then-some")",
      R"("0123456789abcdef")",
      R"("0123456789abcde")",
      R"("0123456789abcdefghij\"k")",
      "\"0123456789abcdef\x01z\"",
      "\"0123456789abcdefghijklmnopqrstu\x7f\xC3\xA9\""};
  for (const std::string& e : elements) {
    for (const std::string& array : {"[" + e + "]", "[" + e + ", \"z\"]", "[\"z\"," + e + "]"}) {
      SCOPED_TRACE(array);
      ExpectBothReadersAgree(array);
    }
  }
}

// Random keys arrays from an alphabet of JSON's structural and tricky bytes (quotes, escapes,
// digits, signs, exponents, whitespace, commas, brackets, control and multi-byte characters):
// both readers agree on every one of them.
TEST(FetchRequestTest, RandomKeyArraysReadTheSameBothWays) {
  const std::vector<std::string> alphabet = {"\"",       "\\",
                                             "\\\"",     "\\n",
                                             "\\u0041",  "a",
                                             "Z",        "0",
                                             "1",        "9",
                                             "-",        "+",
                                             ".",        "e",
                                             "E",        " ",
                                             "\t",       "\n",
                                             ",",        ",",
                                             "[",        "]",
                                             "{",        "}",
                                             ":",        "\x01",
                                             "\x1f",     "\x7f",
                                             "\xC3\xA9", "\xE2\x82\xAC",
                                             "\xC3",     "null",
                                             "true",     "0123456789abcdef"};
  std::mt19937 rng(14);
  int accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string array = "[";
    const int pieces = 1 + static_cast<int>(rng() % 24);
    // Half the rounds start from a valid array of plain keys, then mutate a few bytes.
    if (round % 2 == 0) {
      for (int k = 0; k < pieces; ++k) {
        if (k) array += ",";
        array += rng() % 3 == 0 ? std::to_string(static_cast<int64_t>(rng()) - (1ll << 30))
                                : "\"k" + std::to_string(rng() % 1000) + "\"";
      }
      array += "]";
      const int flips = static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) {
        const size_t at = 1 + rng() % (array.size() - 1);
        array.insert(at, alphabet[rng() % alphabet.size()]);
      }
    } else {
      for (int k = 0; k < pieces; ++k) array += alphabet[rng() % alphabet.size()];
      array += "]";
    }
    SCOPED_TRACE(array);
    ExpectBothReadersAgree(array);
    if (::testing::Test::HasFatalFailure()) return;
    accepted += FetchRequest::Parse(R"({"columns": ["c"], "keys": )" + array + "}", kMaxKeys).ok();
  }
  // The corpus holds both kinds: a test whose inputs are all refused proves little.
  EXPECT_GT(accepted, 500);
  EXPECT_LT(accepted, 2900);
}

TEST(FetchRequestTest, KeysReadFromTheTextKeepTheirShape) {
  FetchRequest req =
      MustParse("{\"keys\" : [ \"a\" ,\n\t\"b\"\r, 17 , -4 ] , \"columns\": [\"c\"]}");
  EXPECT_THAT(Keys(req), ElementsAre("a", "b", "17", "-4"));
  EXPECT_EQ(req.keys()[2].kind, KeyToken::Kind::kInt64);
  EXPECT_EQ(req.keys()[2].bits, 17u);
  EXPECT_EQ(req.keys()[3].kind, KeyToken::Kind::kInt64);
  EXPECT_EQ(req.keys()[3].bits, static_cast<uint64_t>(-4));
  // A plain key and then an escaped one: the whole array is read again, both keys right.
  FetchRequest mixed = MustParse(R"({"keys": ["plain", "tab\there"], "columns": ["c"]})");
  EXPECT_THAT(Keys(mixed), ElementsAre("plain", "tab\there"));
  EXPECT_THAT(ParseError(R"({"keys": ["a",], "columns": ["c"]})"), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(R"({"keys": ["a" "b"], "columns": ["c"]})"), HasSubstr("not valid JSON"));
  EXPECT_EQ(ParseError(R"({"keys": ["a", "b"], "keys": [], "columns": ["c"]})"),
            "field 'keys' appears twice in fetch request");
}

}  // namespace
}  // namespace murr
