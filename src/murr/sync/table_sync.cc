#include "murr/sync/table_sync.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <spdlog/spdlog.h>

#include "murr/objstore/local_store.h"
#include "murr/objstore/s3_store.h"

namespace murr {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::chrono::steady_clock::duration Seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(s));
}

int64_t MsFromNow(std::chrono::steady_clock::duration d) {
  return NowMs() + std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

Result<std::pair<std::unique_ptr<ObjectStore>, std::string>> OpenSourceStore(const std::string& url,
                                                                             const S3Options* s3) {
  using Out = std::pair<std::unique_ptr<ObjectStore>, std::string>;
  if (url.starts_with("file://")) {
    std::string path = url.substr(7);
    if (path.empty() || path[0] != '/') {
      return Status::InvalidArgument("source '" + url +
                                     "': a file:// source needs an absolute path "
                                     "(file:///data/features/)");
    }
    return Out(std::make_unique<LocalStore>(path), "");
  }
  if (url.starts_with("s3://")) {
    std::string rest = url.substr(5);
    size_t slash = rest.find('/');
    std::string bucket = rest.substr(0, slash);
    std::string prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (bucket.empty()) return Status::InvalidArgument("source '" + url + "': no bucket");
    if (!prefix.empty() && !prefix.ends_with("/")) prefix += "/";
    if (!prefix.empty() && !IsSafeKey(prefix)) {
      return Status::InvalidArgument("source '" + url + "': invalid prefix");
    }
    S3Options o = s3 ? *s3 : S3Options();
    std::shared_ptr<CredentialProvider> creds;
    if (!o.anonymous) creds = DefaultCredentialChain();
    return Out(std::make_unique<S3Store>(bucket, o, std::move(creds)), prefix);
  }
  return Status::InvalidArgument("source '" + url +
                                 "': expected file:///path/ or s3://bucket/prefix/");
}

TableSync::TableSync(SourceSpec spec, std::unique_ptr<ObjectStore> store, std::string prefix,
                     Catalog catalog, LoadOptions options, bool background)
    : spec_(std::move(spec)),
      store_(std::move(store)),
      prefix_(std::move(prefix)),
      catalog_(std::move(catalog)),
      options_(options) {
  status_.source = spec_.url;
  if (auto table = catalog_.get(); table.ok()) {
    // A restart: the stored version serves at once; its provenance says what it is.
    std::string text = (*table)->provenance();
    if (!text.empty()) {
      auto prov = Provenance::FromJson(text);
      if (prov.ok() && prov->source == spec_.url) {
        status_.partition = prov->partition;
        status_.partition_rows = prov->rows;
        status_.loaded_at_ms = prov->loaded_at_ms;
      }
    }
  }
  status_.next_check_ms = NowMs();
  if (background) thread_ = std::thread([this] { Loop(); });
}

TableSync::~TableSync() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SyncStatus TableSync::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  SyncStatus s = status_;
  s.bytes_downloaded = counters_.bytes_downloaded.load();
  return s;
}

std::chrono::steady_clock::duration TableSync::Backoff(int failures_in_a_row) {
  // From min(poll, 1 s), doubling per failure in a row, up to 8 polls (at least 1 s): a broken
  // source costs a few requests a minute, never a tight loop. Jitter of +-20% keeps a fleet of
  // workers from retrying in step.
  double base = std::min(spec_.poll_seconds, 1.0);
  double cap = std::max(spec_.poll_seconds * 8, 1.0);
  double d = std::min(cap, base * std::pow(2.0, std::min(failures_in_a_row, 30) - 1));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  d *= std::uniform_real_distribution<double>(0.8, 1.2)(rng);
  return Seconds(std::max(d, 0.01));
}

void TableSync::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  auto next = std::chrono::steady_clock::now();
  while (!stop_) {
    if (cv_.wait_until(lock, next, [&] { return stop_; })) break;
    lock.unlock();
    std::chrono::steady_clock::duration wait;
    {
      std::lock_guard<std::mutex> c(check_mu_);
      (void)Check(&wait);
    }
    lock.lock();
    next = std::chrono::steady_clock::now() + wait;
    status_.next_check_ms = MsFromNow(wait);
  }
}

Status TableSync::CheckNow() {
  std::lock_guard<std::mutex> c(check_mu_);
  std::chrono::steady_clock::duration wait;
  return Check(&wait);
}

Status TableSync::Check(std::chrono::steady_clock::duration* next) {
  const auto poll = Seconds(spec_.poll_seconds);
  *next = poll;
  std::string served;
  std::vector<ObjectMeta> served_objects;
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_.last_check_ms = NowMs();
    served = status_.partition;
  }
  if (!served.empty()) {
    if (auto table = catalog_.get(); table.ok()) {
      auto prov = Provenance::FromJson((*table)->provenance());
      if (prov.ok()) served_objects = std::move(prov->objects);
    }
  }
  auto fail = [&](const Status& st, const std::string& partition, std::vector<ObjectMeta> objects) {
    std::lock_guard<std::mutex> lock(mu_);
    ++failures_in_a_row_;
    ++status_.failures;
    status_.last_error = st.ToString();
    auto backoff = Backoff(failures_in_a_row_);
    if (partition.empty()) {
      // Discovery failed (storage down, 403): check again after the backoff.
      *next = std::min(backoff, poll);
    } else {
      status_.failed_partition = partition;
      failed_objects_ = std::move(objects);
      retry_at_ = std::chrono::steady_clock::now() + backoff;
      *next = std::min(backoff, poll);
    }
    spdlog::error("table '{}': {} (keeps serving partition '{}'; retrying in {:.1f} s)",
                  spec_.table, st.ToString(), status_.partition,
                  std::chrono::duration<double>(*next).count());
    return st;
  };
  auto newest = NewestCompletePartition(*store_, prefix_, spec_.marker, served);
  if (!newest.ok()) {
    return fail(newest.status().WithContext("cannot list " + store_->Describe()), "", {});
  }
  if (!*newest) {  // nothing complete yet, or nothing at least as new as what is served
    std::lock_guard<std::mutex> lock(mu_);
    status_.last_error.clear();
    failures_in_a_row_ = 0;
    return Status::OK();
  }
  const std::string& partition = **newest;
  auto objects = PartitionObjects(*store_, prefix_, partition);
  if (!objects.ok()) {
    return fail(objects.status().WithContext("cannot list partition '" + partition + "'"),
                partition, {});
  }
  if (partition == served && SameObjects(*objects, served_objects)) {
    std::lock_guard<std::mutex> lock(mu_);
    status_.last_error.clear();
    status_.failed_partition.clear();
    failures_in_a_row_ = 0;
    return Status::OK();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (partition == status_.failed_partition && SameObjects(*objects, failed_objects_)) {
      auto now = std::chrono::steady_clock::now();
      if (now < retry_at_) {
        // The same bad partition, unchanged: not before its backoff is over.
        *next = std::min<std::chrono::steady_clock::duration>(poll, retry_at_ - now);
        return Status::OK();
      }
    }
  }
  if (objects->empty()) {
    return fail(Status::InvalidArgument("partition '" + partition + "' of " + store_->Describe() +
                                        " is marked complete but holds no *.parquet object"),
                partition, {});
  }
  Status st = Load(partition, *objects);
  if (!st.ok()) return fail(st, partition, std::move(*objects));
  std::lock_guard<std::mutex> lock(mu_);
  status_.last_error.clear();
  status_.failed_partition.clear();
  failed_objects_.clear();
  failures_in_a_row_ = 0;
  return Status::OK();
}

Status TableSync::Load(const std::string& partition, const std::vector<ObjectMeta>& objects) {
  const auto start = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_.loading = true;
  }
  struct Done {
    TableSync* self;
    ~Done() {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->status_.loading = false;
    }
  } done{this};
  spdlog::info("table '{}': loading partition '{}' ({} objects) from {}", spec_.table, partition,
               objects.size(), store_->Describe());
  std::shared_ptr<Table> table;
  std::optional<Buffer> first;
  if (auto existing = catalog_.get(); existing.ok()) {
    table = std::move(*existing);
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  } else {
    TableSchema schema;
    if (spec_.schema) {
      schema = *spec_.schema;
    } else {
      // The schema comes from the files: the first one's.
      if (objects[0].size > options_.max_object_bytes) {
        return Status::ResourceExhausted("object '" + objects[0].key + "' is too large");
      }
      MURR_ASSIGN_OR_RETURN(Buffer bytes, GetObject(*store_, objects[0], options_.range_bytes));
      counters_.bytes_downloaded += static_cast<int64_t>(bytes.size());
      auto inferred = InferSchema(bytes, spec_.key);
      if (!inferred.ok()) {
        return inferred.status().WithContext("object '" + objects[0].key + "' of " +
                                             store_->Describe());
      }
      schema = std::move(inferred).value();
      first = std::move(bytes);
    }
    MURR_ASSIGN_OR_RETURN(table, catalog_.create(schema));
  }
  MURR_ASSIGN_OR_RETURN(std::unique_ptr<TableReplacement> replacement,
                        table->BeginReplace(objects.size()));
  MURR_ASSIGN_OR_RETURN(int64_t rows, LoadObjects(*store_, objects, table->schema(), *replacement,
                                                  options_, &counters_, std::move(first)));
  Provenance prov;
  prov.source = spec_.url;
  prov.partition = partition;
  prov.objects = objects;
  prov.rows = rows;
  prov.loaded_at_ms = NowMs();
  MURR_RETURN_IF_ERROR(replacement->Commit(prov.ToJson()));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("table '{}': serving partition '{}' ({} rows, {} objects) after {:.2f} s",
               spec_.table, partition, rows, objects.size(), seconds);
  std::lock_guard<std::mutex> lock(mu_);
  status_.partition = partition;
  status_.partition_rows = rows;
  status_.loaded_at_ms = prov.loaded_at_ms;
  status_.last_load_seconds = seconds;
  ++status_.loads;
  return Status::OK();
}

}  // namespace murr
