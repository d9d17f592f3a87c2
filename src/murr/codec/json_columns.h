// JSON columns codec: the body {"columns": {"id": ["a", "b"], "score": [1.0, null]}} <-> Batch.
// Parsing is strict (types come from the table schema; see docs/decisions/ for the rules and the
// representation of NaN, ±Infinity and -0.0). No I/O. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "murr/columnar/column.h"
#include "murr/core/schema.h"
#include "murr/core/status.h"

namespace murr {

// Parses a JSON columns body into a Batch holding only the columns present in the body, in body
// order, each with Field{name, schema type, nullable = true} (nullability is checked later, on
// values, by the table). Every error is InvalidArgument with a message naming the column and row:
//   unknown or repeated column, columns of unequal length, a missing "columns" field or any other
//   field, malformed JSON, and values of the wrong type or out of the column's range:
//   utf8 takes strings; bool takes true/false; integer columns take integer literals in range
//   (no fraction, no exponent); float columns take any number plus the strings "NaN",
//   "Infinity" and "-Infinity". null is accepted everywhere.
Result<Batch> ParseJsonColumns(std::string_view body, const TableSchema& schema);

// Appends {"columns":{"name":[...],...}} for exactly the batch's columns, in order. Nulls are
// null; integers are exact; floats are the shortest text that reads back as the same float32 /
// float64, always with a '.' or an exponent (1.0, -0.0, 1e+20); NaN and ±Infinity are the
// strings "NaN", "Infinity", "-Infinity"; strings are escaped (invalid UTF-8 becomes U+FFFD).
void AppendJsonColumns(const Batch& batch, std::string* out);

}  // namespace murr
