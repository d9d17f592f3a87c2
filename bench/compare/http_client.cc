#include "bench/compare/http_client.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "bench/compare/process.h"

namespace murr::compare {

Result<HttpClient> HttpClient::Connect(int port) {
  MURR_ASSIGN_OR_RETURN(int fd, ConnectLoopback(port));
  return HttpClient(fd);
}

HttpClient::HttpClient(HttpClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      request_(std::move(other.request_)),
      buf_(std::move(other.buf_)),
      used_(other.used_),
      body_begin_(other.body_begin_),
      body_size_(other.body_size_) {}

HttpClient& HttpClient::operator=(HttpClient&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    request_ = std::move(other.request_);
    buf_ = std::move(other.buf_);
    used_ = other.used_;
    body_begin_ = other.body_begin_;
    body_size_ = other.body_size_;
  }
  return *this;
}

HttpClient::~HttpClient() {
  if (fd_ >= 0) ::close(fd_);
}

Status HttpClient::SendAll(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IOError(std::string("http send: ") + std::strerror(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status HttpClient::Fill() {
  if (buf_.size() - used_ < 65536) buf_.resize(std::max<size_t>(buf_.size() * 2, used_ + 65536));
  ssize_t n;
  do {
    n = ::recv(fd_, buf_.data() + used_, buf_.size() - used_, 0);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return Status::IOError("http: the server closed the connection");
  if (n < 0) return Status::IOError(std::string("http recv: ") + std::strerror(errno));
  used_ += static_cast<size_t>(n);
  return Status::OK();
}

Result<int> HttpClient::Request(std::string_view method, std::string_view target,
                                std::string_view headers, std::string_view payload) {
  // Drop the previous reply; keep any bytes after it (there are none with one request in flight).
  size_t consumed = body_begin_ + body_size_;
  if (consumed > 0) {
    std::memmove(buf_.data(), buf_.data() + consumed, used_ - consumed);
    used_ -= consumed;
    body_begin_ = body_size_ = 0;
  }
  request_.clear();
  request_.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: murr\r\n");
  request_.append(headers).append("Content-Length: ").append(std::to_string(payload.size()));
  request_.append("\r\n\r\n");
  // Small bodies go in the same send as the head; large ones separately, to avoid a copy.
  if (payload.size() < 65536) {
    request_.append(payload);
    MURR_RETURN_IF_ERROR(SendAll(request_));
  } else {
    MURR_RETURN_IF_ERROR(SendAll(request_));
    MURR_RETURN_IF_ERROR(SendAll(payload));
  }

  size_t head_end;
  for (;;) {
    std::string_view have(buf_.data(), used_);
    head_end = have.find("\r\n\r\n");
    if (head_end != std::string_view::npos) break;
    if (used_ > (1 << 20)) return Status::IOError("http: reply head over 1 MiB");
    MURR_RETURN_IF_ERROR(Fill());
  }
  std::string_view head(buf_.data(), head_end);
  if (head.size() < 12 || head.substr(0, 5) != "HTTP/") {
    return Status::IOError("http: malformed status line");
  }
  int status = 0;
  std::from_chars(head.data() + 9, head.data() + 12, status);
  // Content-Length, case-insensitively.
  size_t length = 0;
  bool have_length = false;
  size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string_view::npos) {
    pos += 2;
    constexpr std::string_view kName = "content-length:";
    if (head.size() - pos >= kName.size() &&
        strncasecmp(head.data() + pos, kName.data(), kName.size()) == 0) {
      size_t v = pos + kName.size();
      while (v < head.size() && head[v] == ' ') ++v;
      auto r = std::from_chars(head.data() + v, head.data() + head.size(), length);
      have_length = r.ec == std::errc();
    }
  }
  if (!have_length) return Status::IOError("http: reply without Content-Length");
  body_begin_ = head_end + 4;
  body_size_ = length;
  if (buf_.size() < body_begin_ + length) buf_.resize(body_begin_ + length);
  while (used_ < body_begin_ + length) MURR_RETURN_IF_ERROR(Fill());
  return status;
}

}  // namespace murr::compare
