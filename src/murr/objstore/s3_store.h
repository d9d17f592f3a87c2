// S3Store: an ObjectStore over one S3 bucket (s3:// sources), on libcurl with its built-in AWS
// SigV4 signing (CURLOPT_AWS_SIGV4) and pugixml for the XML. ListObjectsV2 with continuation
// tokens, HEAD, ranged GETs checked against the expected Content-Length and ETag (If-Match);
// virtual-host or path-style addressing, a region, an endpoint override. Connection errors, 5xx
// and throttling (429, 503 SlowDown) are retried with exponential backoff and full jitter.
// Credentials come from a CredentialProvider chain (s3_credentials.h); secrets never reach a
// log or an error message. Thread-safe: each thread reuses its own curl handle.
#pragma once

#include <memory>
#include <string>

#include "murr/objstore/object_store.h"
#include "murr/objstore/s3_credentials.h"
#include "murr/objstore/s3_options.h"

namespace murr {

struct S3RetryOptions {
  // Attempts per request, the first included. 5 rides out a store restart of a few seconds.
  int attempts = 5;
  // Backoff before retry n: uniform in [0, min(max_ms, base_ms * 2^n)] ("full jitter").
  int base_ms = 100;
  int max_ms = 5000;
  // Connect and whole-request timeouts.
  long connect_timeout_ms = 5000;
  long request_timeout_ms = 300000;
};

class S3Store : public ObjectStore {
 public:
  // `credentials` null: anonymous (unsigned) requests.
  S3Store(std::string bucket, S3Options options, std::shared_ptr<CredentialProvider> credentials,
          S3RetryOptions retry = {});
  ~S3Store() override;

  Result<ListPage> List(const std::string& prefix, const std::string& delimiter,
                        const std::string& token, int max_keys) override;
  Result<ObjectMeta> Head(const std::string& key) override;
  Result<Buffer> GetRange(const std::string& key, int64_t offset, int64_t length,
                          const std::string& etag) override;
  std::string Describe() const override { return "s3://" + bucket_ + "/"; }

  // The URL of `key` (already encoded) with `query` (sorted, encoded) — for tests.
  std::string UrlFor(const std::string& key, const std::string& query) const;

 private:
  struct Reply;
  Result<Reply> Send(const std::string& method, const std::string& key, const std::string& query,
                     const std::vector<std::string>& headers, int64_t max_body);

  std::string bucket_;
  S3Options options_;
  std::shared_ptr<CredentialProvider> credentials_;
  S3RetryOptions retry_;
};

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, '/' stays when
// `keep_slash` (object keys), everything else is %XX.
std::string S3UriEncode(const std::string& s, bool keep_slash);

}  // namespace murr
