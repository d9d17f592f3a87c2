// Fuzzes FetchRequest::Parse. Properties: no crash, no leak, no UB; errors are InvalidArgument
// with a message; a parsed request honours the key limit, has unique non-empty columns, keeps
// its key views valid across a move, and re-serialized reads back to the same request.
// Differential oracle: simdjson's DOM parser must accept what we accept and read the same keys.
#include <simdjson.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "fuzz_util.h"
#include "murr/codec/fetch_request.h"
#include "murr/core/json_util.h"

namespace {

constexpr size_t kMaxKeys = 64;

std::string Serialize(const murr::FetchRequest& r) {
  std::string out = "{\"keys\":[";
  for (size_t i = 0; i < r.keys().size(); ++i) {
    if (i) out += ',';
    const murr::KeyToken& t = r.keys()[i];
    if (t.kind == murr::KeyToken::Kind::kString) {
      murr::AppendJsonString(&out, t.text);
    } else {
      out += t.text;  // a number's literal, as the request had it
    }
  }
  out += "],\"columns\":[";
  for (size_t i = 0; i < r.columns().size(); ++i) {
    if (i) out += ',';
    murr::AppendJsonString(&out, r.columns()[i]);
  }
  out += ']';
  if (!r.table().empty()) {
    out += ",\"table\":";
    murr::AppendJsonString(&out, r.table());
  }
  out += '}';
  return out;
}

// The keys as simdjson's DOM parser reads the same input.
void CompareWithDom(simdjson::dom::element root, const murr::FetchRequest& request) {
  simdjson::dom::array dom_keys;
  FUZZ_CHECK(root["keys"].get_array().get(dom_keys) == simdjson::SUCCESS, "DOM: no keys");
  FUZZ_CHECK(dom_keys.size() == request.keys().size(), "DOM: key count differs");
  size_t k = 0;
  for (simdjson::dom::element key : dom_keys) {
    const murr::KeyToken& t = request.keys()[k];
    if (t.kind == murr::KeyToken::Kind::kString) {
      FUZZ_CHECK(key.is_string() && key.get_string().value_unsafe() == t.text, "DOM: key differs");
    } else {
      FUZZ_CHECK(key.is_number(), "DOM: a number key is not a number");
      // (The DOM reads "-0" as a double, so only its integers are compared.)
      if (t.kind == murr::KeyToken::Kind::kInt64 && key.is_int64()) {
        FUZZ_CHECK(key.get_int64().value_unsafe() == static_cast<int64_t>(t.bits),
                   "DOM: int64 key differs");
      } else if (t.kind == murr::KeyToken::Kind::kUInt64) {
        FUZZ_CHECK(key.is_uint64() && key.get_uint64().value_unsafe() == t.bits,
                   "DOM: uint64 key differs");
      }
    }
    ++k;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  auto parsed = murr::FetchRequest::Parse(json, kMaxKeys);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == murr::StatusCode::kInvalidArgument,
               parsed.status().ToString());
    FUZZ_CHECK(!parsed.status().message().empty(), "error without a message");
    return 0;
  }
  murr::FetchRequest request = std::move(parsed).value();

  static simdjson::dom::parser* dom = new simdjson::dom::parser();
  simdjson::dom::element root;
  simdjson::error_code dom_error = dom->parse(reinterpret_cast<const char*>(data), size).get(root);
  // The DOM parser refuses numbers it cannot represent (integers beyond 64 bits, floats beyond
  // double); the request keeps them as tokens, which the table's key type then refuses with a
  // message (ReadKeys). Only such keys may make the two disagree.
  bool wide_number = false;
  for (const murr::KeyToken& t : request.keys()) {
    wide_number |=
        t.kind == murr::KeyToken::Kind::kBigInteger || t.kind == murr::KeyToken::Kind::kFloat;
  }
  const bool compare_dom = !(wide_number && dom_error == simdjson::NUMBER_ERROR);
  FUZZ_CHECK(dom_error == simdjson::SUCCESS || !compare_dom,
             std::string("accepted a request the DOM parser rejects: ") +
                 simdjson::error_message(dom_error));
  if (compare_dom) CompareWithDom(root, request);
  FUZZ_CHECK(request.keys().size() <= kMaxKeys, "key limit not enforced");
  FUZZ_CHECK(!request.columns().empty(), "empty columns accepted");
  std::set<std::string> unique(request.columns().begin(), request.columns().end());
  FUZZ_CHECK(unique.size() == request.columns().size(), "duplicate column accepted");
  std::string text = Serialize(request);
  murr::FetchRequest moved = std::move(request);
  FUZZ_CHECK(Serialize(moved) == text, "move changed the request");
  auto again = murr::FetchRequest::Parse(text, kMaxKeys);
  FUZZ_CHECK(again.ok(), again.status().ToString() + "\nwritten: " + text);
  FUZZ_CHECK(Serialize(*again) == text, "round trip changed the request: " + text);
  return 0;
}
