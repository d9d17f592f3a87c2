// A small blocking HTTP/1.1 client on one keep-alive loopback connection, for the benchmark's
// Murr backends: it reuses its buffers, so a request costs no allocation once warm. Replies must
// carry Content-Length (Murr's always do). Single-threaded; one per connection.
#pragma once

#include <string>
#include <string_view>

#include "murr/core/status.h"

namespace murr::compare {

class HttpClient {
 public:
  static Result<HttpClient> Connect(int port);
  HttpClient(HttpClient&& other) noexcept;
  HttpClient& operator=(HttpClient&& other) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // Sends one request (`headers` are complete "Name: value\r\n" lines) and reads the reply. The
  // body stays valid until the next request. Returns the status code, or an I/O error.
  Result<int> Request(std::string_view method, std::string_view target, std::string_view headers,
                      std::string_view payload);
  std::string_view body() const { return std::string_view(buf_).substr(body_begin_, body_size_); }
  int fd() const { return fd_; }

 private:
  explicit HttpClient(int fd) : fd_(fd) {}
  Status SendAll(std::string_view data);
  Status Fill();

  int fd_ = -1;
  std::string request_;
  std::string buf_;  // received bytes; the reply's body at [body_begin_, +body_size_)
  size_t used_ = 0;  // bytes of buf_ holding data
  size_t body_begin_ = 0;
  size_t body_size_ = 0;
};

}  // namespace murr::compare
