#include "bench/compare/workload.h"

#include <yaml-cpp/yaml.h>

#include <set>

namespace murr::compare {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

template <typename T>
Status Get(const YAML::Node& node, const std::string& key, T* out) {
  try {
    *out = node.as<T>();
    return Status::OK();
  } catch (const YAML::Exception&) {
    return Status::InvalidArgument("workload: '" + key + "' has the wrong type");
  }
}

}  // namespace

std::string KeyOf(int64_t row) {
  return std::to_string(row);
}

std::string ColumnName(int col) {
  return "col_" + std::to_string(col);
}

float ValueOf(uint64_t seed, int64_t row, int col) {
  uint64_t h =
      SplitMix64(seed ^ SplitMix64(static_cast<uint64_t>(row) * 1024 + static_cast<uint64_t>(col)));
  // 24 random bits: uniform over [-1000, 1000) in steps of 2000 / 2^24.
  double unit = static_cast<double>(h >> 40) / static_cast<double>(1 << 24);
  return static_cast<float>(unit * 2000.0 - 1000.0);
}

DataBatch MakeBatch(const Workload& w, int64_t first_row, int64_t num_rows) {
  DataBatch b;
  b.first_row = first_row;
  b.keys.reserve(static_cast<size_t>(num_rows));
  for (int64_t i = 0; i < num_rows; ++i) b.keys.push_back(KeyOf(first_row + i));
  b.columns.resize(static_cast<size_t>(w.columns));
  for (int c = 0; c < w.columns; ++c) {
    auto& col = b.columns[static_cast<size_t>(c)];
    col.resize(static_cast<size_t>(num_rows));
    for (int64_t i = 0; i < num_rows; ++i)
      col[static_cast<size_t>(i)] = ValueOf(w.seed, first_row + i, c);
  }
  return b;
}

Result<Workload> LoadWorkload(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("workload " + path + ": " + e.what());
  }
  Workload w;
  if (!root || root.IsNull()) return w;
  if (!root.IsMap()) return Status::InvalidArgument("workload " + path + ": not a YAML mapping");
  for (const auto& kv : root) {
    std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    Status st;
    if (key == "name")
      st = Get(v, key, &w.name);
    else if (key == "rows")
      st = Get(v, key, &w.rows);
    else if (key == "columns")
      st = Get(v, key, &w.columns);
    else if (key == "batch_rows")
      st = Get(v, key, &w.batch_rows);
    else if (key == "read_keys")
      st = Get(v, key, &w.read_keys);
    else if (key == "warmup_reads")
      st = Get(v, key, &w.warmup_reads);
    else if (key == "reads")
      st = Get(v, key, &w.reads);
    else if (key == "sweep")
      st = Get(v, key, &w.sweep);
    else if (key == "sweep_reads")
      st = Get(v, key, &w.sweep_reads);
    else if (key == "clients")
      st = Get(v, key, &w.clients);
    else if (key == "throughput_seconds")
      st = Get(v, key, &w.throughput_seconds);
    else if (key == "seed")
      st = Get(v, key, &w.seed);
    else if (key == "backends")
      st = Get(v, key, &w.backends);
    else if (key == "output_dir")
      st = Get(v, key, &w.output_dir);
    else if (key == "work_dir")
      st = Get(v, key, &w.work_dir);
    else if (key == "murr_durability")
      st = Get(v, key, &w.murr_durability);
    else if (key == "murr_binary")
      st = Get(v, key, &w.murr_binary);
    else if (key == "upstream_murr_binary")
      st = Get(v, key, &w.upstream_murr_binary);
    else if (key == "redis_server")
      st = Get(v, key, &w.redis_server);
    else if (key == "postgres_bin_dir")
      st = Get(v, key, &w.postgres_bin_dir);
    else
      return Status::InvalidArgument("workload " + path + ": unknown key '" + key + "'");
    if (!st.ok()) return Status::InvalidArgument(path + ": " + st.message());
  }
  return w;
}

Status ValidateWorkload(const Workload& w) {
  auto bad = [](const std::string& field, const std::string& why) {
    return Status::InvalidArgument("workload: '" + field + "' " + why);
  };
  if (w.name.empty() || w.name.find('/') != std::string::npos)
    return bad("name", "must be a file name");
  if (w.rows < 1) return bad("rows", "must be at least 1");
  if (w.columns < 1 || w.columns > 1000) return bad("columns", "must be in 1..1000");
  if (w.batch_rows < 1) return bad("batch_rows", "must be at least 1");
  if (w.read_keys < 1 || w.read_keys > w.rows) return bad("read_keys", "must be in 1..rows");
  if (w.warmup_reads < 0) return bad("warmup_reads", "must not be negative");
  if (w.reads < 1) return bad("reads", "must be at least 1");
  for (int s : w.sweep) {
    if (s < 1 || s > 100000) return bad("sweep", "sizes must be in 1..100000");
  }
  if (w.sweep_reads < 1) return bad("sweep_reads", "must be at least 1");
  if (w.murr_durability != "fsync" && w.murr_durability != "none") {
    return bad("murr_durability", "must be fsync or none, not '" + w.murr_durability + "'");
  }
  if (w.clients < 1 || w.clients > 1024) return bad("clients", "must be in 1..1024");
  if (!(w.throughput_seconds >= 0)) return bad("throughput_seconds", "must not be negative");
  std::set<std::string> seen;
  for (const auto& b : w.backends) {
    if (!seen.insert(b).second) return bad("backends", "lists '" + b + "' twice");
  }
  return Status::OK();
}

}  // namespace murr::compare
