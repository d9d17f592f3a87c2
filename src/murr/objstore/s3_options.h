// S3Options: how to reach an S3-compatible store (config `s3:`). Plain value.
#pragma once

#include <string>

namespace murr {

struct S3Options {
  // Override of the endpoint ("http://127.0.0.1:9000" for MinIO, moto, R2, Ceph); empty means
  // AWS: https://s3.<region>.amazonaws.com.
  std::string endpoint;
  std::string region = "us-east-1";
  // Path-style addressing (endpoint/bucket/key), which most S3-compatible stores need; false
  // means virtual-host style (bucket.endpoint/key), which AWS prefers.
  bool path_style = false;
  // Send unsigned requests (public buckets) instead of looking for credentials.
  bool anonymous = false;
};

}  // namespace murr
