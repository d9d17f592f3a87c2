// The only translation unit that includes Boost.Beast (its headers are heavy).
#include "murr/api/http/http_server.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "murr/api/http/metrics.h"
#include "murr/api/http/router.h"
#include "murr/api/http/routes.h"
#include "murr/columnar/buffer.h"
#include "murr/core/work_pool.h"

namespace murr::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// Request headers above this are refused (431); real clients send well under 2 KiB.
constexpr uint32_t kHeaderLimit = 16 * 1024;
// Bytes asked of the socket while waiting for a connection's next request.
constexpr size_t kReadChunk = 16 * 1024;
// After an early reply (the body was not read), how long and how much of the rest of the body
// is drained so that closing does not reset the connection before the client reads the reply.
constexpr auto kDrainTime = std::chrono::seconds(1);
constexpr size_t kDrainBytes = size_t{4} << 20;

// A request body received straight into a 64-byte aligned murr::Buffer, so that codecs can
// borrow column buffers from it (an Arrow IPC write does not copy the values).
struct RequestBody {
  struct value_type {
    BufferBuilder builder;
    Buffer buffer;
  };

  static std::uint64_t size(const value_type& body) { return body.buffer.size(); }

  class reader {
   public:
    template <bool isRequest, class Fields>
    explicit reader(bhttp::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, beast::error_code& ec) {
      // The length was checked against max_body_bytes before the body is read.
      if (length) body_.builder.Reserve(static_cast<size_t>(*length));
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      size_t n = 0;
      for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers);
           ++it) {
        net::const_buffer b = *it;
        body_.builder.Append(b.data(), b.size());
        n += b.size();
      }
      ec = {};
      return n;
    }

    void finish(beast::error_code& ec) {
      body_.buffer = body_.builder.Finish();
      ec = {};
    }

   private:
    value_type& body_;
  };
};

// A reply body that is either one string or scatter-gather slices into memory kept alive by an
// owner (an encoded Arrow stream): the slices go to the socket in one gathered write, uncopied.
struct ReplyBody {
  struct value_type {
    std::string text;
    std::vector<ConstSlice> slices;
    std::shared_ptr<const void> owner;
  };

  static std::uint64_t size(const value_type& body) {
    if (body.slices.empty()) return body.text.size();
    std::uint64_t n = 0;
    for (const ConstSlice& s : body.slices) n += s.size;
    return n;
  }

  class writer {
   public:
    using const_buffers_type = std::vector<net::const_buffer>;

    template <bool isRequest, class Fields>
    explicit writer(const bhttp::header<isRequest, Fields>&, const value_type& body)
        : body_(body) {}

    void init(beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec) {
      ec = {};
      if (done_) return boost::none;
      done_ = true;
      const_buffers_type buffers;
      if (body_.slices.empty()) {
        buffers.emplace_back(body_.text.data(), body_.text.size());
      } else {
        buffers.reserve(body_.slices.size());
        for (const ConstSlice& s : body_.slices) {
          if (s.size) buffers.emplace_back(s.data, s.size);
        }
      }
      return std::make_pair(std::move(buffers), false);
    }

   private:
    const value_type& body_;
    bool done_ = false;
  };
};

// The allocator of request and reply header fields. Beast allocates every field of a message
// on its own (about 7 per fetch: a request's headers, a reply's Server, Content-Type,
// Content-Length), so small blocks are kept in a per-thread free list and reused by the next
// message. Stateless: a block freed on another thread joins that thread's list, which is as good.
template <class T>
struct FieldAllocator {
  using value_type = T;
  FieldAllocator() = default;
  template <class U>
  FieldAllocator(const FieldAllocator<U>&) noexcept {}

  static constexpr size_t kBlock = 256;  // a field's element plus name and value
  static constexpr size_t kKept = 64;    // blocks kept per thread
  struct FreeList {
    std::vector<void*> blocks;
    ~FreeList() {
      for (void* b : blocks) ::operator delete(b);
    }
  };
  static FreeList& Spare() {
    thread_local FreeList list;
    return list;
  }

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes <= kBlock && alignof(T) <= alignof(std::max_align_t)) {
      FreeList& list = Spare();
      if (!list.blocks.empty()) {
        void* b = list.blocks.back();
        list.blocks.pop_back();
        return static_cast<T*>(b);
      }
      return static_cast<T*>(::operator new(kBlock));
    }
    return static_cast<T*>(::operator new(bytes));
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes <= kBlock && alignof(T) <= alignof(std::max_align_t)) {
      FreeList& list = Spare();
      if (list.blocks.size() < kKept) {
        if (list.blocks.capacity() == 0) list.blocks.reserve(kKept);
        list.blocks.push_back(p);
        return;
      }
      ::operator delete(p);
      return;
    }
    ::operator delete(p);
  }
  template <class U>
  bool operator==(const FieldAllocator<U>&) const noexcept {
    return true;
  }
};
using Fields = bhttp::basic_fields<FieldAllocator<char>>;

std::string_view View(beast::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace

// What the server keeps of a connection: how to tell it to close at shutdown.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void Start() = 0;
  virtual void OnShutdown() = 0;
  virtual net::any_io_executor executor() = 0;
};

struct HttpServer::Impl {
  Impl(const HttpConfig& cfg, TableService* service, const AccessControl& access, int threads)
      : config(cfg),
        router(service, &metrics,
               RouterOptions{cfg.max_fetch_keys, cfg.max_decoded_bytes, access}) {
    for (int i = 0; i < threads; ++i) {
      // Hint 1: one thread runs each context (posts from other threads stay safe).
      contexts.push_back(std::make_unique<net::io_context>(1));
      guards.emplace_back(contexts.back()->get_executor());
    }
    acceptor.emplace(contexts[0]->get_executor());
    pool = std::make_unique<WorkPool>(cfg.work_threads, cfg.max_queued_work);
  }

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void Unregister(SessionBase* session) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(session);
    if (shutting_down && sessions.empty()) cv.notify_all();
    if (accept_paused && !shutting_down &&
        static_cast<int64_t>(sessions.size()) < config.max_connections) {
      // Below server.http.max_connections again: accept the clients waiting in the backlog.
      accept_paused = false;
      net::post(acceptor->get_executor(), [this] { Accept(); });
    }
  }

  HttpConfig config;
  HttpMetrics metrics;
  Router router;
  std::string host;
  int port = 0;

  std::mutex mu;
  std::condition_variable cv;
  bool shutting_down = false;
  Clock::time_point shutdown_started;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
  bool accept_paused = false;            // at max_connections; guarded by mu
  std::optional<net::ssl::context> ssl;  // set when server.tls is configured

  // One io_context per worker thread; a connection lives on one of them (round-robin at accept),
  // so its handlers never hop threads. Declared after `sessions`: destroying a context destroys
  // the handlers that keep sessions alive, and a session unregisters itself.
  std::vector<std::unique_ptr<net::io_context>> contexts;
  // Keep each context's run() going while it has no connection.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::optional<tcp::acceptor> acceptor;  // on contexts[0]
  size_t next_context = 0;                // touched by Accept only (contexts[0]'s thread)
  std::vector<std::thread> threads;
  bool joined = false;
  // Slow requests run here, never on the I/O threads. Declared last so that it is joined first,
  // while the contexts its jobs post their replies to still exist.
  std::unique_ptr<WorkPool> pool;
};

namespace {

// Requests answered on the I/O thread: the read path and the constant replies. Everything else
// (a write's decode and fsync, create, drop, listings that may count rows) goes to the pool.
bool RunsInline(int route) {
  switch (route) {
    case kRouteUnmatched:
    case kRouteHealth:
    case kRouteOpenApi:
    case kRouteSchema:
    case kRouteFetch:
      return true;
    case kRouteMetrics:
    case kRouteListTables:
    case kRouteTable:
    case kRouteWrite:
    case kRouteStatus:
    case kNumRoutes:
      return false;
  }
  return false;
}

}  // namespace

// One connection: reads requests one after the other (keep-alive), answers the quick ones on the
// worker thread that read them and hands the slow ones to the work pool, writes the reply. All
// its handlers run on the one thread of its io_context, so they never run concurrently and need
// no strand. Stream is beast::tcp_stream, or an ssl_stream over one for TLS.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

 public:
  template <class... Args>
  Session(HttpServer::Impl* server, Args&&... args)
      : server_(server), stream_(std::forward<Args>(args)...) {
    beast::error_code ec;
    tcp::endpoint remote = lowest().socket().remote_endpoint(ec);
    if (!ec) remote_ = remote.address().to_string() + ":" + std::to_string(remote.port());
    // Replies are first written without waiting (Send): a full socket buffer then reports
    // would_block instead of blocking this thread. Asynchronous operations are not affected.
    if constexpr (!kTls) lowest().socket().non_blocking(true, ec);
  }
  ~Session() override { server_->Unregister(this); }

  void Start() override {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if constexpr (kTls) {
        // The handshake counts against the header timeout: a client that opens a connection and
        // sends nothing is closed as when it sends no request.
        self->lowest().expires_after(
            std::chrono::milliseconds(self->server_->config.header_timeout_ms));
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->Close();
          self->WaitForRequest();
        });
      } else {
        self->WaitForRequest();
      }
    });
  }

  // Posted by HttpServer::Shutdown: an idle connection closes now, a busy one after its reply.
  void OnShutdown() override {
    closing_ = true;
    if (state_ == State::kIdle) lowest().cancel();
  }

  net::any_io_executor executor() override { return stream_.get_executor(); }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  enum class State { kIdle, kReading, kHandling, kWriting, kClosed };

  void WaitForRequest() {
    if (closing_) return Close();
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
    state_ = State::kIdle;
    lowest().expires_after(std::chrono::milliseconds(server_->config.idle_timeout_ms));
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            beast::bind_front_handler(&Session::OnFirstBytes, shared_from_this()));
  }

  void OnFirstBytes(beast::error_code ec, size_t n) {
    if (ec) return Close();  // idle timeout, peer closed, or shutdown
    buffer_.commit(n);
    ReadHeader();
  }

  void ReadHeader() {
    state_ = State::kReading;
    body_read_ = false;
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    // Checked against the declared length in OnHeader. (Beast 1.74 compares a declared length
    // with an unset optional limit as over it, so "no limit" is spelled as the largest value.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    // The usual request arrives whole with its first bytes: parse what is buffered here, and
    // wait (under the header timeout) only for a header that is not all there yet.
    if (buffer_.size() > 0) {
      beast::error_code ec;
      ParseBuffered(ec);
      if (ec != bhttp::error::need_more && (ec || parser_->is_header_done())) {
        return OnHeader(ec, 0);
      }
    }
    lowest().expires_after(std::chrono::milliseconds(server_->config.header_timeout_ms));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  // Feeds the parser what the buffer holds, up to the end of the header (while the header is
  // parsed) or of the message; need_more when it needs bytes not read yet. The async reads
  // go on from where this stops: they parse the buffer's rest before they read.
  void ParseBuffered(beast::error_code& ec) {
    ec = {};
    while (buffer_.size() > 0 && !parser_->is_done()) {
      const bool in_header = !parser_->is_header_done();
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec || in_header) return;
      if (used == 0) {  // no progress without an error: let the async read decide
        ec = bhttp::error::need_more;
        return;
      }
    }
  }

  void OnHeader(beast::error_code ec, size_t) {
    start_ = Clock::now();
    if (ec) {
      if (ec == bhttp::error::header_limit) {
        return SendEarlyError(431, "request headers are over 16 KiB");
      }
      if (IsParseError(ec)) return SendEarlyError(400, "malformed HTTP request: " + ec.message());
      return Close();  // timeout or the peer went away
    }
    const auto& msg = parser_->get();
    const HttpConfig& config = server_->config;
    if (static_cast<int64_t>(msg.target().size()) > config.max_target_bytes) {
      return SendEarlyError(414, fmt::format("request target of {} bytes is over the limit of {} "
                                             "bytes (server.http.max_target_bytes)",
                                             msg.target().size(), config.max_target_bytes));
    }
    int64_t fields = std::distance(msg.begin(), msg.end());
    if (fields > config.max_header_count) {
      return SendEarlyError(431, fmt::format("request has {} header fields, over the limit of {} "
                                             "(server.http.max_header_count)",
                                             fields, config.max_header_count));
    }
    uint64_t limit = config.max_body_bytes;
    if (parser_->content_length() && *parser_->content_length() > limit) {
      return SendEarlyError(413, "request body of " + std::to_string(*parser_->content_length()) +
                                     " bytes is over the limit of " + std::to_string(limit) +
                                     " bytes (server.http.max_body_bytes)");
    }
    parser_->body_limit(limit);
    auto expect = msg.find(bhttp::field::expect);
    if (expect != msg.end() && beast::iequals(expect->value(), "100-continue")) {
      continue_.emplace(bhttp::status::continue_, msg.version());
      lowest().expires_after(std::chrono::milliseconds(server_->config.io_timeout_ms));
      return bhttp::async_write(
          stream_, *continue_,
          beast::bind_front_handler(&Session::OnContinueWritten, shared_from_this()));
    }
    ReadBody();
  }

  void OnContinueWritten(beast::error_code ec, size_t) {
    if (ec) return Close();
    ReadBody();
  }

  void ReadBody() {
    // As for the header: a body already read with it is parsed here, without a wait.
    beast::error_code ec;
    if (!parser_->is_done()) ParseBuffered(ec);
    if (ec != bhttp::error::need_more && (ec || parser_->is_done())) return OnBody(ec, 0);
    lowest().expires_after(std::chrono::milliseconds(server_->config.io_timeout_ms));
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnBody, shared_from_this()));
  }

  void OnBody(beast::error_code ec, size_t) {
    if (ec) {
      if (ec == bhttp::error::body_limit) {
        return SendEarlyError(413, "request body is over the limit of " +
                                       std::to_string(server_->config.max_body_bytes) +
                                       " bytes (server.http.max_body_bytes)");
      }
      if (IsParseError(ec)) return SendEarlyError(400, "malformed HTTP request: " + ec.message());
      return Close();
    }
    body_read_ = true;
    state_ = State::kHandling;
    auto& msg = parser_->get();
    HttpRequest request;
    request.method = View(msg.method_string());
    request.target = View(msg.target());
    request.content_type = View(msg[bhttp::field::content_type]);
    request.accept = View(msg[bhttp::field::accept]);
    request.authorization = View(msg[bhttp::field::authorization]);
    request.body = msg.body().buffer;
    keep_alive_ = msg.keep_alive();
    const RouteMatch match = MatchRoute(request.target);
    if (RunsInline(match.route)) return Reply(server_->router.Handle(request, match));
    // The request's views and body stay valid: this session reads nothing until it replies.
    bool queued = server_->pool->TrySubmit([self = shared_from_this(), request, match] {
      HttpResponse response = self->server_->router.Handle(request, match);
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Reply(std::move(response));
      });
    });
    if (!queued) {
      Reply(ErrorResponse(503, fmt::format("the server is busy: {} slow requests are already "
                                           "queued (server.http.max_queued_work); retry later",
                                           server_->pool->max_queued())));
    }
  }

  void Reply(HttpResponse response) {
    const auto& msg = parser_->get();
    if (msg.method() == bhttp::verb::head) {
      // No route answers HEAD (405); a reply to HEAD carries no body, and closing keeps a client
      // that would wait for one from misreading the connection.
      response.body.clear();
      response.slices.clear();
      keep_alive_ = false;
    }
    Send(std::move(response), msg.version());
  }

  static bool IsParseError(const beast::error_code& ec) {
    static const boost::system::error_category& http_errors =
        beast::error_code(bhttp::error::bad_target).category();
    return ec.category() == http_errors && ec != bhttp::error::end_of_stream &&
           ec != bhttp::error::partial_message;
  }

  // A reply decided before the body was read (or after a protocol error): the connection
  // closes after it, since the rest of the request cannot be trusted or was not read.
  void SendEarlyError(int status, const std::string& message) {
    keep_alive_ = false;
    HttpResponse response = ErrorResponse(status, message);
    if (parser_ && parser_->is_header_done()) {
      response.route = MatchRoute(View(parser_->get().target())).route;
    }
    unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    Send(std::move(response), version);
  }

  void Send(HttpResponse response, unsigned version) {
    state_ = State::kWriting;
    if (closing_) keep_alive_ = false;
    status_ = response.status;
    route_ = response.route;
    reply_.emplace(static_cast<bhttp::status>(response.status), version);
    reply_->set(bhttp::field::server, "murr");
    reply_->set(bhttp::field::content_type,
                beast::string_view(response.content_type.data(), response.content_type.size()));
    if (!response.allow.empty()) reply_->set(bhttp::field::allow, response.allow);
    if (!response.www_authenticate.empty()) {
      reply_->set(bhttp::field::www_authenticate, response.www_authenticate);
    }
    reply_->body().text = std::move(response.body);
    reply_->body().slices = std::move(response.slices);
    reply_->body().owner = std::move(response.owner);
    reply_->keep_alive(keep_alive_);
    reply_->prepare_payload();
    bytes_ = ReplyBody::size(reply_->body());
    if (!response.error.empty()) LogError(response);
    serializer_.emplace(*reply_);
    if constexpr (!kTls) {
      // The usual reply fits in the socket's send buffer: write it now, without an async
      // operation, and go asynchronous (under the I/O timeout) only for what does not fit.
      beast::error_code ec;
      size_t written = 0;
      while (!serializer_->is_done() && !ec) {
        written += bhttp::write_some(lowest().socket(), *serializer_, ec);
      }
      if (ec != net::error::would_block && ec != net::error::try_again) {
        return OnWritten(ec, written);
      }
    }
    lowest().expires_after(std::chrono::milliseconds(server_->config.io_timeout_ms));
    bhttp::async_write(stream_, *serializer_,
                       beast::bind_front_handler(&Session::OnWritten, shared_from_this()));
  }

  void LogError(const HttpResponse& response) {
    std::string_view method, target;
    if (parser_ && parser_->is_header_done()) {
      method = View(parser_->get().method_string());
      target = View(parser_->get().target());
    }
    if (response.status >= 500) {
      spdlog::error("{} {} {} -> {}: {}", remote_, method, target, response.status, response.error);
    } else {
      spdlog::warn("{} {} {} -> {}: {}", remote_, method, target, response.status, response.error);
    }
  }

  void OnWritten(beast::error_code ec, size_t) {
    double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    server_->metrics.Record(route_, status_, seconds);
    if (server_->config.access_log) {
      std::string_view method, target;
      if (parser_ && parser_->is_header_done()) {
        method = View(parser_->get().method_string());
        target = View(parser_->get().target());
      }
      spdlog::info("access {} \"{} {}\" {} {} {}us", remote_, method, target, status_, bytes_,
                   static_cast<int64_t>(seconds * 1e6));
    }
    serializer_.reset();
    reply_.reset();
    continue_.reset();
    if (ec) return Close();
    if (!keep_alive_) {
      if (!body_read_ && parser_ && parser_->is_header_done()) return Drain();
      return Close();
    }
    parser_.reset();
    if (buffer_.size() > 0) {
      // A pipelined request is here already. Take it up from a fresh handler: requests that
      // are read and answered without waiting would otherwise nest one call inside the other.
      return net::post(stream_.get_executor(),
                       beast::bind_front_handler(&Session::WaitForRequest, shared_from_this()));
    }
    WaitForRequest();
  }

  // Reads and drops what the client still sends (bounded in time and bytes), then closes.
  void Drain() {
    // A TLS stream cannot be half-closed underneath its session; it just closes.
    if constexpr (kTls) return Close();
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    parser_.reset();
    buffer_.clear();
    drained_ = 0;
    lowest().expires_after(kDrainTime);
    DrainMore();
  }

  void DrainMore() {
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              self->buffer_.clear();
                              if (ec || self->drained_ > kDrainBytes) return self->Close();
                              self->DrainMore();
                            });
  }

  void Close() {
    state_ = State::kClosed;
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  HttpServer::Impl* server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<RequestBody, FieldAllocator<char>>> parser_;
  std::optional<bhttp::response<ReplyBody, Fields>> reply_;
  std::optional<bhttp::response_serializer<ReplyBody, Fields>> serializer_;  // writes reply_
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  State state_ = State::kIdle;
  bool closing_ = false;
  bool keep_alive_ = true;
  bool body_read_ = false;
  int status_ = 0;
  int route_ = 0;
  uint64_t bytes_ = 0;
  size_t drained_ = 0;
  Clock::time_point start_;
  std::string remote_;
};

void HttpServer::Impl::Accept() {
  net::io_context& ioc = *contexts[next_context];
  next_context = (next_context + 1) % contexts.size();
  acceptor->async_accept(net::any_io_executor(ioc.get_executor()),
                         beast::bind_front_handler(&Impl::OnAccept, this));
}

void HttpServer::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec) {
    if (ec == net::error::operation_aborted || !acceptor->is_open()) return;  // shutting down
    // Out of descriptors and the like: log, back off a little, keep serving.
    spdlog::error("accept failed: {}", ec.message());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return Accept();
  }
  // Replies are written whole in one gathered write; Nagle would only delay the last segment.
  beast::error_code nodelay_ec;
  socket.set_option(tcp::no_delay(true), nodelay_ec);
  bool full = false;
  std::shared_ptr<SessionBase> session;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (shutting_down) {
      beast::error_code ignored;
      socket.close(ignored);
      return;
    }
    if (ssl) {
      session = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
          this, std::move(socket), *ssl);
    } else {
      session = std::make_shared<Session<beast::tcp_stream>>(this, std::move(socket));
    }
    sessions.emplace(session.get(), session);
    full = static_cast<int64_t>(sessions.size()) >= config.max_connections;
    if (full) {
      accept_paused = true;
      spdlog::warn(
          "{} connections open (server.http.max_connections): accepting paused until "
          "one closes",
          sessions.size());
    }
  }
  // Outside the lock: a session that ends at once unregisters itself (which takes the lock).
  session->Start();
  session.reset();
  if (!full) Accept();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Shutdown();
  Wait();
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpConfig& config,
                                                      TableService* service,
                                                      const AccessControl& access) {
  int threads = config.worker_threads > 0
                    ? config.worker_threads
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  auto impl = std::make_unique<Impl>(config, service, access, threads);
  if (config.tls.enabled()) {
    impl->ssl.emplace(net::ssl::context::tls_server);
    net::ssl::context& ctx = *impl->ssl;
    ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                    net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                    net::ssl::context::no_tlsv1_1);
    beast::error_code tls_ec;
    ctx.use_certificate_chain_file(config.tls.cert_file, tls_ec);
    if (tls_ec) {
      return Status::InvalidArgument("server.tls.cert_file: cannot load '" + config.tls.cert_file +
                                     "': " + tls_ec.message());
    }
    ctx.use_private_key_file(config.tls.key_file, net::ssl::context::pem, tls_ec);
    if (tls_ec) {
      return Status::InvalidArgument("server.tls.key_file: cannot load '" + config.tls.key_file +
                                     "': " + tls_ec.message());
    }
  }
  const std::string& host = config.endpoint.host;
  std::string where = host + ":" + std::to_string(config.endpoint.port);
  beast::error_code ec;
  tcp::resolver resolver(*impl->contexts[0]);
  auto results = resolver.resolve(host, std::to_string(config.endpoint.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return Status::InvalidArgument("server.http.host: cannot resolve '" + host +
                                   "': " + ec.message());
  }
  tcp::endpoint endpoint = results.begin()->endpoint();
  tcp::acceptor& acceptor = *impl->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("cannot listen on " + where + ": " + ec.message());
  impl->host = host;
  impl->port = acceptor.local_endpoint(ec).port();

  impl->Accept();
  for (int i = 0; i < threads; ++i) {
    net::io_context* ioc = impl->contexts[i].get();
    impl->threads.emplace_back([ioc] {
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          // A handler threw (allocation failure): that connection is gone, the server goes on.
          spdlog::error("worker: {}", e.what());
        }
      }
    });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

const std::string& HttpServer::host() const {
  return impl_->host;
}
int HttpServer::port() const {
  return impl_->port;
}

void HttpServer::Shutdown() {
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->shutting_down) return;
    impl_->shutting_down = true;
    impl_->shutdown_started = Clock::now();
    for (auto& [ptr, weak] : impl_->sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    impl_->cv.notify_all();
  }
  Impl* impl = impl_.get();
  net::post(impl->acceptor->get_executor(), [impl] {
    beast::error_code ec;
    impl->acceptor->close(ec);
  });
  for (auto& s : live) {
    net::post(s->executor(), [s] { s->OnShutdown(); });
  }
}

void HttpServer::Wait() {
  if (impl_->joined) return;
  {
    std::unique_lock<std::mutex> lock(impl_->mu);
    impl_->cv.wait(lock, [&] { return impl_->shutting_down; });
    auto deadline =
        impl_->shutdown_started + std::chrono::milliseconds(impl_->config.shutdown_timeout_ms);
    if (!impl_->cv.wait_until(lock, deadline, [&] { return impl_->sessions.empty(); })) {
      spdlog::warn(
          "{} connection(s) still busy after server.http.shutdown_timeout_ms={}; "
          "closing them",
          impl_->sessions.size(), impl_->config.shutdown_timeout_ms);
    }
  }
  for (auto& ioc : impl_->contexts) ioc->stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->joined = true;
}

}  // namespace murr::http
