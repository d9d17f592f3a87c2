#include "murr/sync/provenance.h"

#include <simdjson.h>

#include "murr/core/json_util.h"

namespace murr {

std::string Provenance::ToJson() const {
  std::string out = "{\"source\":";
  AppendJsonString(&out, source);
  out += ",\"partition\":";
  AppendJsonString(&out, partition);
  out += ",\"rows\":" + std::to_string(rows) + ",\"loaded_at_ms\":" + std::to_string(loaded_at_ms);
  out += ",\"objects\":[";
  for (size_t i = 0; i < objects.size(); ++i) {
    out += i ? ",{\"key\":" : "{\"key\":";
    AppendJsonString(&out, objects[i].key);
    out += ",\"etag\":";
    AppendJsonString(&out, objects[i].etag);
    out += ",\"size\":" + std::to_string(objects[i].size) + "}";
  }
  out += "]}";
  return out;
}

Result<Provenance> Provenance::FromJson(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  Provenance p;
  std::string_view source, partition;
  int64_t rows = 0, loaded = 0;
  simdjson::dom::array objects;
  if (parser.parse(padded).get(root) || root["source"].get(source) ||
      root["partition"].get(partition) || root["rows"].get(rows) ||
      root["loaded_at_ms"].get(loaded) || root["objects"].get(objects)) {
    return Status::Corruption("the table's provenance record is not valid");
  }
  p.source = std::string(source);
  p.partition = std::string(partition);
  p.rows = rows;
  p.loaded_at_ms = loaded;
  for (simdjson::dom::element o : objects) {
    std::string_view key, etag;
    int64_t size = 0;
    if (o["key"].get(key) || o["etag"].get(etag) || o["size"].get(size)) {
      return Status::Corruption("the table's provenance record has an invalid object");
    }
    p.objects.push_back({std::string(key), size, std::string(etag)});
  }
  return p;
}

bool SameObjects(const std::vector<ObjectMeta>& a, const std::vector<ObjectMeta>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].etag != b[i].etag || a[i].size != b[i].size) return false;
  }
  return true;
}

}  // namespace murr
