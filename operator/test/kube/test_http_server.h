// A tiny blocking HTTP/1.1 server on 127.0.0.1 for ApiClient tests: one thread accepts, one
// thread per connection reads requests and hands each to the test's handler, which writes the
// response bytes itself (so a test can send chunks split anywhere, stall, or drop the connection).
//
// Thread-safe accessors. The destructor shuts down every connection (waking handlers blocked in
// WaitForStop) and joins all threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

namespace redispair::kube::testing {

using TestRequest = boost::beast::http::request<boost::beast::http::string_body>;
using TestSocket = boost::asio::ip::tcp::socket;

class TestHttpServer {
 public:
  // Handles one request; returns true to keep the connection open for the next request.
  using Handler = std::function<bool(const TestRequest& request, TestSocket& socket)>;

  explicit TestHttpServer(Handler handler);
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;
  ~TestHttpServer();

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }
  // Copies of every request received so far, in arrival order.
  std::vector<TestRequest> received() const;

  // Blocks until the server is being destroyed or `timeout` passes; true if stopping. For
  // handlers that simulate a stalled server.
  bool WaitForStop(std::chrono::milliseconds timeout);

 private:
  void AcceptLoop();
  void Serve(TestSocket socket);

  Handler handler_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};

  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;                  // guarded by mu_
  std::vector<int> open_fds_;              // guarded by mu_
  std::vector<std::thread> conn_threads_;  // guarded by mu_
  std::vector<TestRequest> received_;      // guarded by mu_
  std::thread accept_thread_;
};

// Writes a complete response with Content-Length (and "Connection: close" if !keep_alive).
void WriteResponse(TestSocket& socket, int status, std::string_view body,
                   std::string_view content_type = "application/json", bool keep_alive = true);
// Writes raw bytes; errors (the client went away) are ignored.
void WriteRaw(TestSocket& socket, std::string_view bytes);
// One chunk of a chunked body: "<hex size>\r\n<data>\r\n".
std::string Chunk(std::string_view data);
// The header of a 200 chunked streaming response.
std::string ChunkedHeader(int status = 200);

}  // namespace redispair::kube::testing
