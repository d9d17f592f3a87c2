#include "murr/objstore/s3_store.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <pugixml.hpp>

namespace murr {
namespace {

// SHA-256 of the empty payload: every request Murr sends has no body. libcurl 7.88 does not add
// x-amz-content-sha256 itself, and S3 wants it.
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// Caps on what a reply may make us hold: listings and error documents are small.
constexpr int64_t kMaxXmlBytes = int64_t{16} << 20;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One handle per thread, reused so that connections stay open between requests.
CURL* ThreadHandle() {
  struct Holder {
    CURL* h = nullptr;
    ~Holder() {
      if (h) curl_easy_cleanup(h);
    }
  };
  thread_local Holder holder;
  if (!holder.h) holder.h = curl_easy_init();
  return holder.h;
}

// Transport failures worth another try (libcurl's enum is not ours: a set, not a switch).
bool Retryable(CURLcode rc) {
  return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
         rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
         rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE || rc == CURLE_SSL_CONNECT_ERROR;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string S3UriEncode(const std::string& s, bool keep_slash) {
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

struct S3Store::Reply {
  long code = 0;
  std::string body;
  std::string etag;
  int64_t content_length = -1;
  bool overflow = false;
  int64_t max_body = 0;
};

S3Store::S3Store(std::string bucket, S3Options options,
                 std::shared_ptr<CredentialProvider> credentials, S3RetryOptions retry)
    : bucket_(std::move(bucket)),
      options_(std::move(options)),
      credentials_(std::move(credentials)),
      retry_(retry) {
  GlobalInit();
  if (options_.endpoint.empty())
    options_.endpoint = "https://s3." + options_.region + ".amazonaws.com";
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/')
    options_.endpoint.pop_back();
}

S3Store::~S3Store() = default;

std::string S3Store::UrlFor(const std::string& key, const std::string& query) const {
  std::string url;
  if (options_.path_style) {
    url = options_.endpoint + "/" + S3UriEncode(bucket_, false) + "/" + key;
  } else {
    size_t scheme = options_.endpoint.find("://");
    url = options_.endpoint.substr(0, scheme + 3) + bucket_ + "." +
          options_.endpoint.substr(scheme + 3) + "/" + key;
  }
  if (!query.empty()) url += "?" + query;
  return url;
}

namespace {

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<std::pair<std::string*, int64_t>*>(user);
  size_t len = size * n;
  if (static_cast<int64_t>(r->first->size() + len) > r->second) return 0;  // over the cap
  r->first->append(data, len);
  return len;
}

struct HeaderSink {
  std::string* etag;
  int64_t* content_length;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<HeaderSink*>(user);
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = Lower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    size_t a = value.find_first_not_of(" \t");
    size_t b = value.find_last_not_of(" \t\r\n");
    value = a == std::string::npos ? "" : value.substr(a, b - a + 1);
    if (name == "etag") *sink->etag = value;
    if (name == "content-length") {
      char* end = nullptr;
      long long v = std::strtoll(value.c_str(), &end, 10);
      if (end && *end == '\0' && v >= 0) *sink->content_length = v;
    }
  }
  return size * n;
}

// "AccessDenied: Access Denied" out of an S3 error document, or the HTTP code.
std::string ErrorText(long code, const std::string& body) {
  pugi::xml_document doc;
  std::string out = "HTTP " + std::to_string(code);
  if (doc.load_buffer(body.data(), body.size())) {
    pugi::xml_node e = doc.child("Error");
    std::string c = e.child_value("Code"), m = e.child_value("Message");
    if (!c.empty()) out += " " + c;
    if (!m.empty()) out += ": " + m;
  }
  return out;
}

}  // namespace

Result<S3Store::Reply> S3Store::Send(const std::string& method, const std::string& key,
                                     const std::string& query,
                                     const std::vector<std::string>& headers, int64_t max_body) {
  std::optional<AwsCredentials> creds;
  if (credentials_ && !options_.anonymous) {
    MURR_ASSIGN_OR_RETURN(creds, credentials_->Get());
  }
  const std::string url = UrlFor(key, query);
  const std::string what = method + " " + Describe() + key;  // no secrets, no query
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string last_error;
  for (int attempt = 0; attempt < std::max(1, retry_.attempts); ++attempt) {
    if (attempt > 0) {
      int64_t cap =
          std::min<int64_t>(retry_.max_ms, int64_t{retry_.base_ms} << std::min(attempt, 20));
      std::this_thread::sleep_for(std::chrono::milliseconds(
          std::uniform_int_distribution<int64_t>(0, std::max<int64_t>(cap, 1))(rng)));
    }
    CURL* h = ThreadHandle();
    if (!h) return Status::Internal("curl_easy_init failed");
    curl_easy_reset(h);
    Reply reply;
    std::pair<std::string*, int64_t> body_sink{&reply.body, max_body};
    HeaderSink header_sink{&reply.etag, &reply.content_length};
    curl_slist* list = nullptr;
    list = curl_slist_append(list, (std::string("x-amz-content-sha256: ") + kEmptySha256).c_str());
    if (creds && !creds->session_token.empty()) {
      list = curl_slist_append(list, ("x-amz-security-token: " + creds->session_token).c_str());
    }
    for (const std::string& hd : headers) list = curl_slist_append(list, hd.c_str());
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, retry_.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, retry_.request_timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body_sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &header_sink);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, nullptr);  // byte ranges must not be re-encoded
    if (method == "HEAD") curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    std::string sigv4 = "aws:amz:" + options_.region + ":s3";
    if (creds) {
      curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
      curl_easy_setopt(h, CURLOPT_USERNAME, creds->access_key_id.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, creds->secret_access_key.c_str());
    }
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.code);
    // The secrets must not outlive the request in the reused handle.
    curl_easy_setopt(h, CURLOPT_USERNAME, nullptr);
    curl_easy_setopt(h, CURLOPT_PASSWORD, nullptr);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(list);
    if (rc == CURLE_WRITE_ERROR && static_cast<int64_t>(reply.body.size()) <= max_body) {
      return Status::IOError(what + ": the reply is larger than the " + std::to_string(max_body) +
                             " bytes expected");
    }
    if (rc != CURLE_OK) {
      last_error = curl_easy_strerror(rc);
      if (rc == CURLE_WRITE_ERROR) {
        return Status::IOError(what + ": the reply is larger than the " + std::to_string(max_body) +
                               " bytes expected");
      }
      if (Retryable(rc)) continue;
      return Status::IOError("cannot reach " + what + ": " + last_error);
    }
    if (reply.code >= 500 || reply.code == 429) {
      last_error = ErrorText(reply.code, reply.body);
      continue;
    }
    return reply;
  }
  return Status::IOError(what + " failed " + std::to_string(retry_.attempts) +
                         " times (storage down or throttling): " + last_error);
}

Result<ListPage> S3Store::List(const std::string& prefix, const std::string& delimiter,
                               const std::string& token, int max_keys) {
  // Query parameters sorted by name and encoded: libcurl 7.88 signs the query as sent.
  std::vector<std::pair<std::string, std::string>> q;
  if (!token.empty()) q.emplace_back("continuation-token", token);
  if (!delimiter.empty()) q.emplace_back("delimiter", delimiter);
  q.emplace_back("list-type", "2");
  q.emplace_back("max-keys", std::to_string(std::clamp(max_keys, 1, 1000)));
  q.emplace_back("prefix", prefix);
  std::sort(q.begin(), q.end());
  std::string query;
  for (const auto& [k, v] : q) {
    query += (query.empty() ? "" : "&") + k + "=" + S3UriEncode(v, false);
  }
  MURR_ASSIGN_OR_RETURN(Reply r, Send("GET", "", query, {}, kMaxXmlBytes));
  if (r.code != 200) {
    return Status::IOError("listing '" + prefix + "' of " + Describe() + ": " +
                           ErrorText(r.code, r.body));
  }
  pugi::xml_document doc;
  if (!doc.load_buffer(r.body.data(), r.body.size())) {
    return Status::IOError("listing '" + prefix + "' of " + Describe() + ": the reply is not XML");
  }
  pugi::xml_node root = doc.child("ListBucketResult");
  if (!root) {
    return Status::IOError("listing '" + prefix + "' of " + Describe() +
                           ": the reply is not a ListBucketResult");
  }
  ListPage page;
  for (pugi::xml_node c : root.children("Contents")) {
    ObjectMeta m;
    m.key = c.child_value("Key");
    m.etag = c.child_value("ETag");
    const char* size = c.child_value("Size");
    char* end = nullptr;
    long long v = std::strtoll(size, &end, 10);
    if (m.key.empty() || !end || *end != '\0' || v < 0) {
      return Status::IOError("listing '" + prefix + "' of " + Describe() +
                             ": an entry has no key or an invalid size");
    }
    if (m.key.compare(0, prefix.size(), prefix) != 0 || !IsSafeKey(m.key)) continue;
    m.size = v;
    page.objects.push_back(std::move(m));
  }
  for (pugi::xml_node c : root.children("CommonPrefixes")) {
    std::string p = c.child_value("Prefix");
    if (p.compare(0, prefix.size(), prefix) != 0 || !IsSafeKey(p)) continue;
    page.common_prefixes.push_back(std::move(p));
  }
  if (std::string(root.child_value("IsTruncated")) == "true") {
    page.next_token = root.child_value("NextContinuationToken");
    if (page.next_token.empty()) {
      return Status::IOError("listing '" + prefix + "' of " + Describe() +
                             ": truncated without a continuation token");
    }
  }
  return page;
}

Result<ObjectMeta> S3Store::Head(const std::string& key) {
  if (!IsSafeKey(key)) return Status::InvalidArgument("unsafe object key '" + key + "'");
  MURR_ASSIGN_OR_RETURN(Reply r, Send("HEAD", S3UriEncode(key, true), "", {}, 0));
  if (r.code == 404) return Status::NotFound(Describe() + key + " does not exist");
  if (r.code != 200)
    return Status::IOError("HEAD " + Describe() + key + ": HTTP " + std::to_string(r.code));
  if (r.content_length < 0) {
    return Status::IOError("HEAD " + Describe() + key + ": no Content-Length");
  }
  return ObjectMeta{key, r.content_length, r.etag};
}

Result<Buffer> S3Store::GetRange(const std::string& key, int64_t offset, int64_t length,
                                 const std::string& etag) {
  if (!IsSafeKey(key)) return Status::InvalidArgument("unsafe object key '" + key + "'");
  if (offset < 0 || length < 0) return Status::InvalidArgument("negative range");
  if (length == 0) return Buffer::Allocate(0);
  std::vector<std::string> headers;
  headers.push_back(fmt::format("Range: bytes={}-{}", offset, offset + length - 1));
  if (!etag.empty()) headers.push_back("If-Match: " + etag);
  MURR_ASSIGN_OR_RETURN(Reply r, Send("GET", S3UriEncode(key, true), "", headers, length));
  const std::string what = Describe() + key;
  if (r.code == 404)
    return Status::NotFound(what + " does not exist (deleted since it was listed?)");
  if (r.code == 412) return Status::IOError(what + " changed since it was listed (ETag)");
  if (r.code != 206 && r.code != 200)
    return Status::IOError(what + ": " + ErrorText(r.code, r.body));
  if (r.code == 200 && !(offset == 0)) {
    return Status::IOError(what + ": the store ignored the byte range");
  }
  if (static_cast<int64_t>(r.body.size()) != length ||
      (r.content_length >= 0 && r.content_length != length)) {
    return Status::IOError(fmt::format("{}: got {} bytes (Content-Length {}), expected {}", what,
                                       r.body.size(), r.content_length, length));
  }
  if (!etag.empty() && !r.etag.empty() && r.etag != etag) {
    return Status::IOError(what + " changed since it was listed (ETag " + r.etag + ", listed " +
                           etag + ")");
  }
  return Buffer::Copy(r.body.data(), r.body.size());
}

}  // namespace murr
