// Partition discovery and loading for sources of Parquet partitions (issue 12). A partition is a
// direct sub-prefix of the source ("dt=2026-11-30/"), complete once its marker object exists;
// partitions compare by name in byte order. Loading downloads every *.parquet object of one
// partition on a few threads (which bounds memory: at most `download_threads` files, raw and
// decoded, are held at once), decodes each and adds it as one part of a TableReplacement.
// Knows ObjectStore and the table layer, nothing of HTTP. Stateless functions; thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "murr/codec/parquet_reader.h"
#include "murr/core/schema.h"
#include "murr/core/status.h"
#include "murr/objstore/object_store.h"
#include "murr/table/table.h"

namespace murr {

// Names (without the trailing '/') of the direct sub-prefixes of `prefix`, byte order.
Result<std::vector<std::string>> ListPartitions(ObjectStore& store, const std::string& prefix);

// The newest partition whose marker exists, among those named >= `at_least` (newest first, so
// usually one HEAD); nullopt when there is none.
Result<std::optional<std::string>> NewestCompletePartition(ObjectStore& store,
                                                           const std::string& prefix,
                                                           const std::string& marker,
                                                           const std::string& at_least);

// The *.parquet objects anywhere under the partition, by key.
Result<std::vector<ObjectMeta>> PartitionObjects(ObjectStore& store, const std::string& prefix,
                                                 const std::string& partition);

// The table schema a Parquet file implies: its columns in file order with their Murr types, the
// key made non-nullable (nullability is checked on values) and the others nullable. A column
// that cannot be mapped is an error naming it.
Result<TableSchema> InferSchema(const Buffer& file, const std::string& key);

struct LoadOptions {
  // Objects downloaded and decoded at once. Also the memory bound: each holds one object's
  // bytes and its decoded batch until its segment is written. Decoding and segment writing are
  // CPU-bound and a download from S3 in the same region is fast: 2 measured best on a 2-core
  // machine (1.7-1.9M rows/s against 1.3-1.5M with 4, docs/benchmarks.md). Raise it for slow
  // links and more cores.
  int download_threads = 2;
  // Largest object accepted; a bigger one is an error rather than an allocation.
  int64_t max_object_bytes = int64_t{4} << 30;
  // Ranged GETs of at most this many bytes each.
  int64_t range_bytes = int64_t{64} << 20;
  ParquetReadOptions parquet;
};

struct LoadCounters {
  std::atomic<int64_t> bytes_downloaded{0};
};

// Downloads, decodes and adds objects[i] as part i of `replacement` (so later objects win on
// repeated keys). `first` is objects[0]'s bytes when the caller already fetched them.
// Returns the rows read. The first error stops the others and names the object.
Result<int64_t> LoadObjects(ObjectStore& store, const std::vector<ObjectMeta>& objects,
                            const TableSchema& schema, TableReplacement& replacement,
                            const LoadOptions& options, LoadCounters* counters,
                            std::optional<Buffer> first = std::nullopt);

}  // namespace murr
