// Arrow C data interface (https://arrow.apache.org/docs/format/CDataInterface.html): hands a
// Batch to another Arrow implementation (pyarrow, Polars, DuckDB) in the same process without
// copying a value. The exported ArrowArray references the Batch's own Buffers and keeps the Batch
// alive until the consumer calls release; the ArrowSchema describes its fields. A batch is
// exported as a struct array ("+s") with one child per column, which is how record batches
// travel through the interface (and the Arrow PyCapsule protocol).
// Export functions are thread-safe; the produced structs belong to whoever receives them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "murr/columnar/column.h"
#include "murr/core/status.h"

// The ABI-stable structs, exactly as the specification defines them (the guard lets another
// library's identical definition win).
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

extern "C" {
struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};

struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};
}  // extern "C"

#endif  // ARROW_C_DATA_INTERFACE

namespace murr {

// The C data interface format string of a column type ("u" for utf8, "f" for float32, ...).
std::string ArrowCFormat(DataType type);

// Fills *out_schema with a struct schema whose children are `fields` (name, type, nullable).
void ExportSchema(const std::vector<Field>& fields, ArrowSchema* out_schema);

// Fills *out_array with the batch as a struct array; the batch's buffers are shared, not copied.
// The batch must be valid (Batch::Validate).
void ExportBatch(std::shared_ptr<const Batch> batch, ArrowArray* out_array);

}  // namespace murr
