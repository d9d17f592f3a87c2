#include "murr/core/schema.h"

#include <simdjson.h>

#include <unordered_set>

#include "murr/core/json_util.h"
#include "murr/core/read_keys.h"

namespace murr {
namespace {

Status ValidateColumnName(std::string_view name) {
  if (name.empty() || name.size() > kMaxColumnNameBytes) {
    return Status::InvalidArgument("column name must be 1..255 bytes, got " +
                                   std::to_string(name.size()) + " bytes");
  }
  return Status::OK();
}

}  // namespace

Result<TableSchema> TableSchema::Make(std::string key, std::vector<ColumnSchema> columns) {
  if (columns.size() > kMaxColumns) {
    return Status::InvalidArgument("a table has at most " + std::to_string(kMaxColumns) +
                                   " columns, got " + std::to_string(columns.size()));
  }
  TableSchema s;
  std::unordered_set<std::string_view> seen;
  for (size_t i = 0; i < columns.size(); ++i) {
    MURR_RETURN_IF_ERROR(ValidateColumnName(columns[i].name));
    if (!seen.insert(columns[i].name).second) {
      return Status::InvalidArgument("column '" + columns[i].name + "' is declared twice");
    }
    if (columns[i].name == key) s.key_index_ = static_cast<int>(i);
    // A list of timestamps carries its items' timezone.
    if (!columns[i].timezone.empty() &&
        columns[i].type.item_type().info().arrow != ArrowKind::kTimestamp) {
      return Status::InvalidArgument("column '" + columns[i].name +
                                     "': a timezone is allowed only on timestamp columns, not " +
                                     DataTypeName(columns[i].type));
    }
    if (columns[i].timezone.size() > 64) {
      return Status::InvalidArgument("column '" + columns[i].name +
                                     "': timezone is longer than 64 bytes");
    }
  }
  if (key.empty()) return Status::InvalidArgument("schema has no key column ('key' is empty)");
  if (s.key_index_ < 0) {
    return Status::InvalidArgument("key column '" + key + "' is not among the columns");
  }
  const ColumnSchema& k = columns[s.key_index_];
  if (!IsKeyType(k.type)) {
    return Status::InvalidArgument("key column '" + key + "' must be utf8, int64 or uint64, not " +
                                   DataTypeName(k.type));
  }
  if (k.nullable) {
    return Status::InvalidArgument("key column '" + key + "' must be declared \"nullable\": false");
  }
  s.key_ = std::move(key);
  s.columns_ = std::move(columns);
  s.by_name_.reserve(s.columns_.size());
  for (size_t i = 0; i < s.columns_.size(); ++i) {
    s.by_name_.emplace(s.columns_[i].name, static_cast<int>(i));
  }
  return s;
}

Result<TableSchema> TableSchema::FromJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root)) {
    return Status::InvalidArgument(std::string("schema is not valid JSON: ") +
                                   simdjson::error_message(err));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) return Status::InvalidArgument("schema must be a JSON object");
  std::string key;
  bool have_key = false, have_columns = false;
  std::vector<ColumnSchema> columns;
  for (auto [field, value] : obj) {
    if (field == "key") {
      std::string_view k;
      if (value.get_string().get(k))
        return Status::InvalidArgument("schema 'key' must be a string");
      key = std::string(k);
      have_key = true;
    } else if (field == "columns") {
      simdjson::dom::object cols;
      if (value.get_object().get(cols)) {
        return Status::InvalidArgument("schema 'columns' must be an object of name -> column");
      }
      have_columns = true;
      for (auto [name, spec] : cols) {
        ColumnSchema c;
        c.name = std::string(name);
        simdjson::dom::object spec_obj;
        if (spec.get_object().get(spec_obj)) {
          return Status::InvalidArgument("column '" + c.name +
                                         "' must be an object like {\"dtype\": \"float32\"}");
        }
        bool have_dtype = false;
        for (auto [f, v] : spec_obj) {
          if (f == "dtype") {
            std::string_view d;
            if (v.get_string().get(d)) {
              return Status::InvalidArgument("column '" + c.name + "': 'dtype' must be a string");
            }
            auto t = ParseDataType(d);
            if (!t) {
              return Status::InvalidArgument(
                  "column '" + c.name + "': unknown dtype '" + std::string(d) +
                  "' (expected one of " + ScalarTypeNames(", ") +
                  ", <integer or float type>[<1..65536>] for a fixed-size list, or "
                  "<type>[] for a list)");
            }
            c.type = *t;
            have_dtype = true;
          } else if (f == "nullable") {
            bool b;
            if (v.get_bool().get(b)) {
              return Status::InvalidArgument("column '" + c.name +
                                             "': 'nullable' must be true or false");
            }
            c.nullable = b;
          } else if (f == "timezone") {
            std::string_view tz;
            if (v.get_string().get(tz)) {
              return Status::InvalidArgument("column '" + c.name +
                                             "': 'timezone' must be a string");
            }
            c.timezone = std::string(tz);
          } else {
            return Status::InvalidArgument("column '" + c.name + "': unknown field '" +
                                           std::string(f) +
                                           "' (expected dtype, nullable, timezone)");
          }
        }
        if (!have_dtype) return Status::InvalidArgument("column '" + c.name + "' has no 'dtype'");
        columns.push_back(std::move(c));
      }
    } else {
      return Status::InvalidArgument("schema: unknown field '" + std::string(field) +
                                     "' (expected key, columns)");
    }
  }
  if (!have_key) return Status::InvalidArgument("schema has no 'key' field");
  if (!have_columns) return Status::InvalidArgument("schema has no 'columns' field");
  return Make(std::move(key), std::move(columns));
}

std::string TableSchema::ToJson() const {
  std::string out = "{\"key\":";
  AppendJsonString(&out, key_);
  out += ",\"columns\":{";
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(&out, columns_[i].name);
    out += ":{\"dtype\":\"";
    out += DataTypeName(columns_[i].type);
    out += "\",\"nullable\":";
    out += columns_[i].nullable ? "true" : "false";
    if (!columns_[i].timezone.empty()) {
      out += ",\"timezone\":";
      AppendJsonString(&out, columns_[i].timezone);
    }
    out += '}';
  }
  out += "}}";
  return out;
}

int TableSchema::FindColumn(std::string_view name) const {
  // Debian's abseil has its own string_view type.
  auto it = by_name_.find(absl::string_view(name.data(), name.size()));
  return it == by_name_.end() ? -1 : it->second;
}

}  // namespace murr
